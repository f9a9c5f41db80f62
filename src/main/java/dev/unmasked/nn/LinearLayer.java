package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;

/** {@code torch.nn.Linear}: weight [out, in], optional bias [out]. */
public record LinearLayer(NDArray weight, NDArray bias) {

  public static LinearLayer load(Params p, String name, long in, long out, boolean bias) {
    NDArray w = p.get(name + ".weight", out, in);
    NDArray b = bias ? p.get(name + ".bias", out) : null;
    return new LinearLayer(w, b);
  }

  /** x [..., in] -> [..., out]. */
  public NDArray forward(NDArray x) {
    return Ops.linear(x, weight, bias);
  }
}
