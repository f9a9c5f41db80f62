package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.model.layers.ResnetBlock2D;
import dev.unmasked.nn.Params;

/** diffusers {@code UNetMidBlock2DCrossAttn}: resnet, transformer, resnet. */
final class UNetMidBlock2DCrossAttn {
  private final ResnetBlock2D resnet0;
  private final Transformer2DModel attention;
  private final ResnetBlock2D resnet1;

  UNetMidBlock2DCrossAttn(Params p, String prefix, UNet2DConditionConfig c, long channels,
      long temb, int heads) {
    int groups = c.normNumGroups();
    float eps = (float) c.normEps();
    double scale = c.midBlockScaleFactor();
    resnet0 = new ResnetBlock2D(p, prefix + ".resnets.0", channels, channels, temb, groups, eps,
        scale);
    attention = new Transformer2DModel(p, prefix + ".attentions.0", channels, heads,
        c.transformerLayersPerBlock(), c.crossAttentionDim(), groups, c.useLinearProjection());
    resnet1 = new ResnetBlock2D(p, prefix + ".resnets.1", channels, channels, temb, groups, eps,
        scale);
  }

  /** x [B, C, h, w] -> same shape. */
  NDArray forward(NDArray x, NDArray temb, NDArray context, AttentionObserver observer) {
    x = resnet0.forward(x, temb);
    x = attention.forward(x, context, observer);
    return resnet1.forward(x, temb);
  }
}
