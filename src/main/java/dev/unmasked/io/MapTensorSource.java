package dev.unmasked.io;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Float32 tensors held in memory, name to (shape, data): for tests, and for key mappers that
 * convert a foreign checkpoint (LDM single file, OpenCLIP names) into diffusers names before a model
 * binds it. {@link #info} reports dtype F32 and byte offsets as if the tensor were alone in a file
 * ({@code begin} 0, {@code end} numel*4).
 *
 * <p>Arrays passed to {@link #put} are kept by reference; {@link #floats} returns a copy, so a
 * caller cannot change what later readers see.
 */
public final class MapTensorSource implements TensorSource {
  private record Entry(long[] shape, float[] data) {}

  private final String description;
  private final Map<String, Entry> tensors = new TreeMap<>();

  public MapTensorSource() {
    this("in-memory tensors");
  }

  /** {@code description} names where the tensors came from, for error messages. */
  public MapTensorSource(String description) {
    this.description = description;
  }

  /** A copy of every tensor of {@code source} as float32. */
  public static MapTensorSource copyOf(TensorSource source) throws SafetensorsException {
    MapTensorSource m = new MapTensorSource(source.describe());
    for (String k : source.keys()) {
      m.put(k, source.floats(k), source.info(k).shape());
    }
    return m;
  }

  /** Adds or replaces a tensor; the data length must equal the shape's element count. */
  public MapTensorSource put(String name, float[] data, long... shape) {
    long numel = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
      }
      numel = Math.multiplyExact(numel, d);
    }
    if (numel != data.length) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': shape " + Arrays.toString(shape) + " holds " + numel
              + " elements but " + data.length + " were given");
    }
    tensors.put(name, new Entry(shape.clone(), data));
    return this;
  }

  /** Removes a tensor if present (for mappers that consume their input). */
  public MapTensorSource remove(String name) {
    tensors.remove(name);
    return this;
  }

  @Override
  public Set<String> keys() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  @Override
  public boolean contains(String key) {
    return tensors.containsKey(key);
  }

  private Entry entry(String key) throws SafetensorsException {
    Entry e = tensors.get(key);
    if (e == null) {
      throw new SafetensorsException(description, "no tensor named '" + key + "'");
    }
    return e;
  }

  @Override
  public TensorInfo info(String key) throws SafetensorsException {
    Entry e = entry(key);
    return new TensorInfo(key, DType.F32, e.shape().clone(), 0, 4L * e.data().length);
  }

  @Override
  public float[] floats(String key) throws SafetensorsException {
    return entry(key).data().clone();
  }

  @Override
  public String describe() {
    return description;
  }

  /** Nothing to release. */
  @Override
  public void close() {}
}
