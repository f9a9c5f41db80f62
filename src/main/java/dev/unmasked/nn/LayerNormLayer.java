package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;

/** {@code torch.nn.LayerNorm} over the last axis, weight/bias [C]. */
public record LayerNormLayer(float eps, NDArray weight, NDArray bias) {

  public static LayerNormLayer load(Params p, String name, long channels, float eps) {
    return new LayerNormLayer(eps, p.get(name + ".weight", channels), p.get(name + ".bias", channels));
  }

  /** x [..., C] -> same shape. */
  public NDArray forward(NDArray x) {
    return Ops.layerNorm(x, weight, bias, eps);
  }
}
