package dev.unmasked.io;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header: name, dtype, shape and byte range relative to the start
 * of the data section.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteLength() {
    return end - begin;
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }
}
