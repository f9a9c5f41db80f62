package dev.unmasked.model.layers;

import ai.djl.ndarray.NDArray;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;

/**
 * diffusers {@code Upsample2D}: nearest 2x (or to the skip tensor's size when the downsampling did
 * not divide evenly), then a 3x3 conv.
 */
public final class Upsample2D {
  private final Conv2dLayer conv;

  public Upsample2D(Params p, String prefix, long channels) {
    this.conv = Conv2dLayer.load(p, prefix + ".conv", channels, channels, 3, 1, 1);
  }

  /**
   * @param x [B, C, H, W]
   * @param outH target height, or -1 for 2H
   * @param outW target width, or -1 for 2W
   */
  public NDArray forward(NDArray x, long outH, long outW) {
    long h = outH > 0 ? outH : 2 * x.getShape().get(2);
    long w = outW > 0 ? outW : 2 * x.getShape().get(3);
    return dev.unmasked.nn.Scopes.run(() -> conv.forward(Ops.upsampleNearest(x, h, w)));
  }
}
