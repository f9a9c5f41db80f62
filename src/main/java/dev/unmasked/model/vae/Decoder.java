package dev.unmasked.model.vae;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.ResnetBlock2D;
import dev.unmasked.model.layers.Upsample2D;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.GroupNormLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;

/** diffusers VAE {@code Decoder}: latents [B, latent, h, w] -> image [B, 3, h*f, w*f]. */
final class Decoder {
  private final Conv2dLayer convIn;
  private final UNetMidBlock2D midBlock;
  private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
  private final List<Upsample2D> upsamplers = new ArrayList<>();
  private final GroupNormLayer convNormOut;
  private final Conv2dLayer convOut;

  Decoder(Params p, AutoencoderKLConfig c) {
    List<Integer> boc = c.blockOutChannels();
    int n = boc.size();
    int g = c.normNumGroups();
    long top = boc.get(n - 1);
    convIn = Conv2dLayer.load(p, "decoder.conv_in", c.latentChannels(), top, 3, 1, 1);
    midBlock = new UNetMidBlock2D(p, "decoder.mid_block", top, g);
    long out = top;
    for (int i = 0; i < n; i++) {
      long prev = out;
      out = boc.get(n - 1 - i);
      List<ResnetBlock2D> rs = new ArrayList<>();
      for (int j = 0; j < c.layersPerBlock() + 1; j++) {
        rs.add(new ResnetBlock2D(p, "decoder.up_blocks." + i + ".resnets." + j,
            j == 0 ? prev : out, out, 0, g, 1e-6f, 1.0));
      }
      resnets.add(rs);
      upsamplers.add(i < n - 1
          ? new Upsample2D(p, "decoder.up_blocks." + i + ".upsamplers.0", out) : null);
    }
    convNormOut = GroupNormLayer.load(p, "decoder.conv_norm_out", g, boc.get(0), 1e-6f);
    convOut = Conv2dLayer.load(p, "decoder.conv_out", boc.get(0), c.outChannels(), 3, 1, 1);
  }

  NDArray forward(NDArray z) {
    NDArray x = convIn.forward(z);
    x = midBlock.forward(x);
    for (int i = 0; i < resnets.size(); i++) {
      for (ResnetBlock2D r : resnets.get(i)) {
        x = r.forward(x, null);
      }
      if (upsamplers.get(i) != null) {
        x = upsamplers.get(i).forward(x, -1, -1);
      }
    }
    return convOut.forward(Ops.silu(convNormOut.forward(x)));
  }
}
