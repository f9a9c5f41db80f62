package dev.unmasked.model;

import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.TensorInfo;
import dev.unmasked.io.TensorSource;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds weights by their diffusers key: a missing or mis-shaped tensor is an error naming the key
 * and both shapes; {@link #finish()} reports keys nobody took. (Minimal version; the io branch
 * brings the full one with legacy-name aliases.)
 */
public class WeightBinder {
  private final TensorSource source;
  private final Set<String> used = new HashSet<>();

  public WeightBinder(TensorSource source) {
    this.source = source;
  }

  public TensorSource source() {
    return source;
  }

  public boolean has(String key) {
    return source.keys().contains(key);
  }

  /** Returns the tensor {@code key} as float32, checking its shape. */
  public float[] take(String key, long... expectedShape) {
    try {
      if (!source.keys().contains(key)) {
        throw new WeightLoadException(source.describe() + ": missing weight '" + key
            + "' (expected shape " + Arrays.toString(expectedShape) + ")");
      }
      TensorInfo t = source.info(key);
      if (!Arrays.equals(t.shape(), expectedShape)) {
        throw new WeightLoadException(source.describe() + ": weight '" + key + "' has shape "
            + Arrays.toString(t.shape()) + " but the config needs " + Arrays.toString(expectedShape));
      }
      used.add(key);
      return source.floats(key);
    } catch (SafetensorsException e) {
      throw new WeightLoadException(e.getMessage(), e);
    }
  }

  /** Fails if the source holds tensors that no layer took. */
  public void finish() {
    Set<String> unused = new TreeSet<>(source.keys());
    unused.removeAll(used);
    unused.remove("text_model.embeddings.position_ids");
    if (!unused.isEmpty()) {
      throw new WeightLoadException(source.describe() + ": " + unused.size()
          + " weights not used by the model built from its config, e.g. "
          + unused.stream().limit(10).toList() + " (config and weights disagree?)");
    }
  }
}
