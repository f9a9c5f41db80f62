package dev.unmasked.model.vae;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.Downsample2D;
import dev.unmasked.model.layers.ResnetBlock2D;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.GroupNormLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;

/** diffusers VAE {@code Encoder}: image [B, 3, H, W] -> moments [B, 2*latent, H/f, W/f]. */
final class Encoder {
  private final Conv2dLayer convIn;
  private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
  private final List<Downsample2D> downsamplers = new ArrayList<>();
  private final UNetMidBlock2D midBlock;
  private final GroupNormLayer convNormOut;
  private final Conv2dLayer convOut;

  Encoder(Params p, AutoencoderKLConfig c) {
    List<Integer> boc = c.blockOutChannels();
    int g = c.normNumGroups();
    convIn = Conv2dLayer.load(p, "encoder.conv_in", c.inChannels(), boc.get(0), 3, 1, 1);
    long out = boc.get(0);
    for (int i = 0; i < boc.size(); i++) {
      long in = out;
      out = boc.get(i);
      List<ResnetBlock2D> rs = new ArrayList<>();
      for (int j = 0; j < c.layersPerBlock(); j++) {
        rs.add(new ResnetBlock2D(p, "encoder.down_blocks." + i + ".resnets." + j,
            j == 0 ? in : out, out, 0, g, 1e-6f, 1.0));
      }
      resnets.add(rs);
      downsamplers.add(i < boc.size() - 1
          ? new Downsample2D(p, "encoder.down_blocks." + i + ".downsamplers.0", out, out, 0) : null);
    }
    midBlock = new UNetMidBlock2D(p, "encoder.mid_block", out, g);
    convNormOut = GroupNormLayer.load(p, "encoder.conv_norm_out", g, out, 1e-6f);
    convOut = Conv2dLayer.load(p, "encoder.conv_out", out, 2L * c.latentChannels(), 3, 1, 1);
  }

  NDArray forward(NDArray x) {
    x = convIn.forward(x);
    for (int i = 0; i < resnets.size(); i++) {
      for (ResnetBlock2D r : resnets.get(i)) {
        x = r.forward(x, null);
      }
      if (downsamplers.get(i) != null) {
        x = downsamplers.get(i).forward(x);
      }
    }
    x = midBlock.forward(x);
    return convOut.forward(Ops.silu(convNormOut.forward(x)));
  }
}
