package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;

/** {@code torch.nn.GroupNorm} with affine weight/bias [C]. */
public record GroupNormLayer(int groups, float eps, NDArray weight, NDArray bias) {

  public static GroupNormLayer load(Params p, String name, int groups, long channels, float eps) {
    if (channels % groups != 0) {
      throw new IllegalArgumentException(
          name + ": " + channels + " channels are not divisible into " + groups + " groups");
    }
    return new GroupNormLayer(
        groups, eps, p.get(name + ".weight", channels), p.get(name + ".bias", channels));
  }

  /** x [B, C, ...] -> same shape. */
  public NDArray forward(NDArray x) {
    return Ops.groupNorm(x, groups, weight, bias, eps);
  }
}
