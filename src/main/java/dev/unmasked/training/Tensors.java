package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.FloatBuffer;

/** Moving float32 values between Java arrays and tensors that must keep their identity. */
final class Tensors {
  private Tensors() {}

  /** Overwrites {@code target}'s values in place (its shape and dtype stay). */
  static void copyInto(NDArray target, float[] values) {
    if (values.length != target.size()) {
      throw new IllegalArgumentException("tensor '" + target.getName() + "' has " + target.size()
          + " values, the checkpoint " + values.length);
    }
    if (target.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("checkpoints hold float32; '" + target.getName() + "' is "
          + target.getDataType());
    }
    target.set(FloatBuffer.wrap(values));
  }
}
