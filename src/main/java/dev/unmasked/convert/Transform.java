package dev.unmasked.convert;

/**
 * What happens to a tensor's data between the single file and its diffusers name. None of them
 * copies data: a third of {@code in_proj_weight} along dimension 0 is a contiguous byte range, and
 * dropping unit dimensions only changes the shape.
 */
public enum Transform {
  /** Same data, same shape. */
  IDENTITY,
  /** An LDM 1x1 convolution weight [C_out, C_in, 1, 1] read as a linear weight [C_out, C_in]. */
  SQUEEZE_1X1,
  /** Rows 0 .. n/3 of an OpenCLIP {@code in_proj_weight}/{@code in_proj_bias}: the query part. */
  THIRD_Q,
  /** Rows n/3 .. 2n/3: the key part. */
  THIRD_K,
  /** Rows 2n/3 .. n: the value part. */
  THIRD_V;

  /** For the split transforms, which third (0, 1, 2); -1 otherwise. */
  public int third() {
    return switch (this) {
      case THIRD_Q -> 0;
      case THIRD_K -> 1;
      case THIRD_V -> 2;
      default -> -1;
    };
  }
}
