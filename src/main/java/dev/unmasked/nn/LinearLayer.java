package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;

/**
 * {@code torch.nn.Linear}: weight [out, in], optional bias [out]; optionally with a trainable
 * low-rank adapter (LoRA, as PEFT's {@code lora.Linear}): {@code y = x W^T + b + scale * (x A^T) B^T}
 * with A (down) [r, in] and B (up) [out, r].
 */
public final class LinearLayer {
  private final NDArray weight;
  private final NDArray bias;
  private NDArray loraDown;
  private NDArray loraUp;
  private double loraScale;

  public LinearLayer(NDArray weight, NDArray bias) {
    this.weight = weight;
    this.bias = bias;
  }

  public static LinearLayer load(Params p, String name, long in, long out, boolean bias) {
    NDArray w = p.get(name + ".weight", out, in);
    NDArray b = bias ? p.get(name + ".bias", out) : null;
    LinearLayer layer = new LinearLayer(w, b);
    p.registerLinear(name, layer);
    return layer;
  }

  public NDArray weight() {
    return weight;
  }

  public NDArray bias() {
    return bias;
  }

  /** Adds an adapter (down [r, in], up [out, r]) applied at {@code scale}; null removes it. */
  public void setLora(NDArray down, NDArray up, double scale) {
    if (down != null && (down.getShape().get(1) != weight.getShape().get(1)
        || up.getShape().get(0) != weight.getShape().get(0)
        || up.getShape().get(1) != down.getShape().get(0))) {
      throw new IllegalArgumentException("LoRA down " + down.getShape() + " / up " + up.getShape()
          + " do not fit a weight " + weight.getShape());
    }
    this.loraDown = down;
    this.loraUp = up;
    this.loraScale = scale;
  }

  public NDArray loraDown() {
    return loraDown;
  }

  public NDArray loraUp() {
    return loraUp;
  }

  /** x [..., in] -> [..., out]. */
  public NDArray forward(NDArray x) {
    NDArray y = Ops.linear(x, weight, bias);
    if (loraDown == null) {
      return y;
    }
    NDArray delta = Ops.linear(Ops.linear(x, loraDown, null), loraUp, null);
    return y.add(loraScale == 1.0 ? delta : Ops.mulScalar(delta, loraScale));
  }
}
