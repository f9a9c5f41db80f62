package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;

/** {@code torch.nn.Conv2d} with square kernel: weight [Cout, Cin, k, k], bias [Cout]. */
public record Conv2dLayer(NDArray weight, NDArray bias, int stride, int padding) {

  public static Conv2dLayer load(
      Params p, String name, long cin, long cout, int kernel, int stride, int padding) {
    NDArray w = p.get(name + ".weight", cout, cin, kernel, kernel);
    NDArray b = p.get(name + ".bias", cout);
    return new Conv2dLayer(w, b, stride, padding);
  }

  /** x [B, Cin, H, W] -> [B, Cout, H', W']. */
  public NDArray forward(NDArray x) {
    return Ops.conv2d(x, weight, bias, stride, padding);
  }

  public long outChannels() {
    return weight.getShape().get(0);
  }
}
