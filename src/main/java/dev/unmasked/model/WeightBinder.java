package dev.unmasked.model;

import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.TensorInfo;
import dev.unmasked.io.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hands a model its weights by diffusers key and checks that the checkpoint and the model agree: a
 * missing key, a mis-shaped tensor, or (at {@link #finish()}) a tensor nobody took is a {@link
 * WeightLoadException} naming the key. Like Jlama's per-family loaders, blocks receive their tensors
 * in their constructors: {@code new ResnetBlock2D(binder.child("down_blocks.0.resnets.0."), ...)}.
 *
 * <p>Keys are relative to the binder's prefix. Legacy names are resolved through {@link
 * LegacyWeightNames} (VAE {@code query/key/value/proj_attn}, 1x1-conv attention weights read as
 * {@code [C, C]}, an ignored {@code position_ids}). A binder and all its children share one record of
 * used keys; {@code finish()} reports unused keys under the prefix of the binder it is called on.
 * Not thread-safe.
 */
public final class WeightBinder implements dev.unmasked.nn.WeightSource {
  private static final int MAX_LISTED = 10;

  private final TensorSource source;
  private final String prefix;
  private final Set<String> used; // stored keys, shared with children

  /** Binds keys of {@code source} as they are (empty prefix). */
  public WeightBinder(TensorSource source) {
    this(source, "");
  }

  /** Binds keys of {@code source} below {@code prefix} (for example {@code "unet."}). */
  public WeightBinder(TensorSource source, String prefix) {
    this(source, prefix, new HashSet<>());
  }

  private WeightBinder(TensorSource source, String prefix, Set<String> used) {
    this.source = source;
    this.prefix = prefix;
    this.used = used;
  }

  /** A binder for a sub-module: its keys are {@code prefix() + subPrefix + key}; same used-set. */
  public WeightBinder child(String subPrefix) {
    return new WeightBinder(source, prefix + subPrefix, used);
  }

  public String prefix() {
    return prefix;
  }

  public TensorSource source() {
    return source;
  }

  /** Whether {@code key} (or a legacy name of it) exists; does not mark it used. */
  @Override
  public boolean has(String key) {
    return resolve(prefix + key) != null;
  }

  /** The stored shape of {@code key}, without marking it used (to infer sizes from weights). */
  public long[] shape(String key) {
    String stored = resolve(prefix + key);
    if (stored == null) {
      throw missing(prefix + key);
    }
    return info(stored).shape().clone();
  }

  /**
   * The tensor {@code key} as float32, C order, checked to have {@code expectedShape}; marks it
   * used. Legacy names and 1x1-conv attention weights are accepted (see {@link LegacyWeightNames}).
   */
  @Override
  public float[] take(String key, long... expectedShape) {
    String full = prefix + key;
    String stored = resolve(full);
    if (stored == null) {
      throw missing(full);
    }
    long[] shape = info(stored).shape();
    if (!Arrays.equals(shape, expectedShape)
        && !LegacyWeightNames.squeezes(stored, shape, expectedShape)) {
      throw new WeightLoadException(
          "weight '" + stored + "' in " + source.describe() + " has shape "
              + Arrays.toString(shape) + " but the model expects " + Arrays.toString(expectedShape)
              + (stored.equals(full) ? "" : " for '" + full + "'") + ": the config.json does not match these weights"
              + " (different model size or version?)");
    }
    float[] data;
    try {
      data = source.floats(stored);
    } catch (SafetensorsException e) {
      throw new WeightLoadException("cannot read weight '" + stored + "': " + e.getMessage(), e);
    }
    used.add(stored);
    return data;
  }

  /** Stored keys under this binder's prefix that nobody took, excluding ignored ones; sorted. */
  public Set<String> unusedKeys() {
    Set<String> out = new TreeSet<>();
    for (String k : source.keys()) {
      if (k.startsWith(prefix) && !used.contains(k) && !LegacyWeightNames.isIgnored(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /** Fails if any tensor under this binder's prefix was not taken, listing up to 10 of them. */
  @Override
  public void finish() {
    Set<String> unused = unusedKeys();
    if (unused.isEmpty()) {
      return;
    }
    List<String> shown = new ArrayList<>(unused).subList(0, Math.min(MAX_LISTED, unused.size()));
    throw new WeightLoadException(
        unused.size() + " weight(s) in " + source.describe()
            + (prefix.isEmpty() ? "" : " under '" + prefix + "'")
            + " were not used by the model: " + String.join(", ", shown)
            + (unused.size() > MAX_LISTED ? " ... and " + (unused.size() - MAX_LISTED) + " more" : "")
            + ". The config.json probably describes a different architecture than these weights,"
            + " or the checkpoint needs key conversion.");
  }

  /** The stored key for a full key: itself, else the first legacy name present; null if none. */
  private String resolve(String full) {
    if (source.contains(full)) {
      return full;
    }
    for (String alt : LegacyWeightNames.alternatives(full)) {
      if (source.contains(alt)) {
        return alt;
      }
    }
    return null;
  }

  private TensorInfo info(String stored) {
    try {
      return source.info(stored);
    } catch (SafetensorsException e) {
      throw new WeightLoadException(e.getMessage(), e);
    }
  }

  private WeightLoadException missing(String full) {
    StringBuilder sb = new StringBuilder();
    sb.append("missing weight '").append(full).append("' in ").append(source.describe());
    List<String> alts = LegacyWeightNames.alternatives(full);
    if (!alts.isEmpty()) {
      sb.append(" (also looked for ").append(String.join(", ", alts)).append(')');
    }
    String root = prefix.isEmpty() ? "" : prefix.substring(0, prefix.indexOf('.') + 1);
    boolean anyUnderRoot = source.keys().stream().anyMatch(k -> k.startsWith(root));
    if (!anyUnderRoot) {
      String example = source.keys().isEmpty() ? "(none)" : source.keys().iterator().next();
      sb.append("; no key starts with '").append(root).append("' at all (first key: '")
          .append(example).append("'): wrong file or component, or a checkpoint whose keys need")
          .append(" conversion to diffusers names");
    } else {
      String close = KeySimilarity.closest(full, source.keys());
      if (close != null) {
        sb.append("; closest existing key: '").append(close).append('\'');
      }
      sb.append(". Check that config.json matches these weights");
    }
    return new WeightLoadException(sb.toString());
  }
}
