package dev.unmasked.model.vae;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.Attention;
import dev.unmasked.model.layers.ResnetBlock2D;
import dev.unmasked.nn.Params;

/** diffusers {@code UNetMidBlock2D} as the VAE uses it: resnet, single-head spatial attention, resnet. */
final class UNetMidBlock2D {
  private final ResnetBlock2D resnet0;
  private final Attention attention;
  private final ResnetBlock2D resnet1;

  UNetMidBlock2D(Params p, String prefix, long channels, int groups) {
    float eps = 1e-6f;
    resnet0 = new ResnetBlock2D(p, prefix + ".resnets.0", channels, channels, 0, groups, eps, 1.0);
    attention = new Attention(p, prefix + ".attentions.0", channels, 0, 1, channels, true, groups,
        eps, true);
    resnet1 = new ResnetBlock2D(p, prefix + ".resnets.1", channels, channels, 0, groups, eps, 1.0);
  }

  /** x [B, C, h, w] -> same shape. */
  NDArray forward(NDArray x) {
    x = resnet0.forward(x, null);
    x = attention.forward(x, null, null);
    return resnet1.forward(x, null);
  }
}
