package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.model.layers.Downsample2D;
import dev.unmasked.model.layers.ResnetBlock2D;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers {@code CrossAttnDownBlock2D} (resnet + transformer pairs) and {@code DownBlock2D}
 * (resnets only), each with an optional stride-2 downsampler. Every intermediate output is kept
 * as a skip connection for the up path.
 */
final class DownBlock {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<Transformer2DModel> attentions = new ArrayList<>();
  private final Downsample2D downsampler;

  DownBlock(Params p, String prefix, UNet2DConditionConfig c, boolean crossAttn, long in, long out,
      long temb, int heads, boolean addDownsample) {
    int groups = c.normNumGroups();
    float eps = (float) c.normEps();
    for (int j = 0; j < c.layersPerBlock(); j++) {
      resnets.add(new ResnetBlock2D(p, prefix + ".resnets." + j, j == 0 ? in : out, out, temb,
          groups, eps, 1.0));
      if (crossAttn) {
        attentions.add(new Transformer2DModel(p, prefix + ".attentions." + j, out, heads,
            c.transformerLayersPerBlock(), c.crossAttentionDim(), groups,
            c.useLinearProjection()));
      }
    }
    this.downsampler = addDownsample
        ? new Downsample2D(p, prefix + ".downsamplers.0", out, out, c.downsamplePadding()) : null;
  }

  /**
   * @param x [B, in, H, W]
   * @param skips receives each intermediate output (for the up path)
   * @return [B, out, H/2, W/2] (or [B, out, H, W] without a downsampler)
   */
  NDArray forward(NDArray x, NDArray temb, NDArray context, AttentionObserver observer,
      List<NDArray> skips) {
    for (int j = 0; j < resnets.size(); j++) {
      x = resnets.get(j).forward(x, temb);
      if (!attentions.isEmpty()) {
        x = attentions.get(j).forward(x, context, observer);
      }
      skips.add(x);
    }
    if (downsampler != null) {
      x = downsampler.forward(x);
      skips.add(x);
    }
    return x;
  }
}
