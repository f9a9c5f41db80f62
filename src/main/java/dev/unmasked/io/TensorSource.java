package dev.unmasked.io;

import java.util.Set;

/**
 * Named tensors from somewhere: one safetensors file, a sharded set, or a single-file checkpoint
 * whose keys were mapped to diffusers names. Models bind their weights through this interface only.
 */
public interface TensorSource extends AutoCloseable {

  /** All tensor names, sorted. */
  Set<String> keys();

  /** Whether a tensor named {@code key} exists. */
  default boolean contains(String key) {
    return keys().contains(key);
  }

  /** The entry for {@code key}; a missing key is an error naming where it was looked for. */
  TensorInfo info(String key) throws SafetensorsException;

  /** The tensor converted to float32, C order. */
  float[] floats(String key) throws SafetensorsException;

  /** Where the tensors come from, for error messages (a file or folder path). */
  String describe();

  @Override
  void close();
}
