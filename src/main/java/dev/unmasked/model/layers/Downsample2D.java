package dev.unmasked.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.Params;

/**
 * diffusers {@code Downsample2D} with a stride-2 3x3 conv. With padding 0 (the VAE encoder) the
 * input is first padded by one pixel on the right and bottom, as diffusers does.
 */
public final class Downsample2D {
  private final Conv2dLayer conv;
  private final int padding;

  public Downsample2D(Params p, String prefix, long channels, long out, int padding) {
    this.conv = Conv2dLayer.load(p, prefix + ".conv", channels, out, 3, 2, padding);
    this.padding = padding;
  }

  /** x [B, C, H, W] -> [B, C, ceil(H/2), ceil(W/2)] (padding 1) or floor((H+1-3)/2)+1 (padding 0). */
  public NDArray forward(NDArray x) {
    if (padding == 0) {
      // F.pad(x, (0, 1, 0, 1)): last axis left 0 right 1, then height top 0 bottom 1.
      x = x.pad(new Shape(0, 1, 0, 1), 0);
    }
    return conv.forward(x);
  }
}
