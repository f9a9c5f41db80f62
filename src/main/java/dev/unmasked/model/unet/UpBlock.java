package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.model.layers.ResnetBlock2D;
import dev.unmasked.model.layers.Upsample2D;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers {@code CrossAttnUpBlock2D} and {@code UpBlock2D}: layers_per_block + 1 resnets, each fed
 * the previous output concatenated with a skip tensor from the down path, optional transformers,
 * and an upsampler that resizes to the next skip tensor's size.
 */
final class UpBlock {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<Transformer2DModel> attentions = new ArrayList<>();
  private final Upsample2D upsampler;

  UpBlock(Params p, String prefix, UNet2DConditionConfig c, boolean crossAttn, long in,
      long prevOut, long out, long temb, int heads, boolean addUpsample) {
    int groups = c.normNumGroups();
    float eps = (float) c.normEps();
    int layers = c.layersPerBlock() + 1;
    for (int j = 0; j < layers; j++) {
      long skip = j == layers - 1 ? in : out;
      long resIn = j == 0 ? prevOut : out;
      resnets.add(new ResnetBlock2D(p, prefix + ".resnets." + j, resIn + skip, out, temb, groups,
          eps, 1.0));
      if (crossAttn) {
        attentions.add(new Transformer2DModel(p, prefix + ".attentions." + j, out, heads,
            c.transformerLayersPerBlock(), c.crossAttentionDim(), groups,
            c.useLinearProjection()));
      }
    }
    this.upsampler = addUpsample ? new Upsample2D(p, prefix + ".upsamplers.0", out) : null;
  }

  int numResnets() {
    return resnets.size();
  }

  /**
   * @param skips this block's skip tensors, consumed last-first
   * @param upH, upW size to upsample to (the next skip's), or -1 for 2x
   */
  NDArray forward(NDArray x, List<NDArray> skips, NDArray temb, NDArray context,
      AttentionObserver observer, long upH, long upW) {
    for (int j = 0; j < resnets.size(); j++) {
      NDArray skip = skips.remove(skips.size() - 1);
      x = resnets.get(j).forward(x.concat(skip, 1), temb);
      if (!attentions.isEmpty()) {
        x = attentions.get(j).forward(x, context, observer);
      }
    }
    if (upsampler != null) {
      x = upsampler.forward(x, upH, upW);
    }
    return x;
  }
}
