package dev.unmasked.model.vae;

import dev.unmasked.model.ConfigJson;
import java.util.List;

/** diffusers {@code AutoencoderKL} config (SD 1.x/2.x subset), JSON keys as in the file. */
public record AutoencoderKLConfig(
    int inChannels,
    int outChannels,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int latentChannels,
    int normNumGroups,
    double scalingFactor,
    int sampleSize) {

  public static AutoencoderKLConfig from(ConfigJson c) {
    List<Integer> boc = c.getIntList("block_out_channels", List.of(64));
    for (String t : c.getStringList("down_block_types", List.of("DownEncoderBlock2D"))) {
      c.require(t.equals("DownEncoderBlock2D"), "down_block_types", "DownEncoderBlock2D");
    }
    for (String t : c.getStringList("up_block_types", List.of("UpDecoderBlock2D"))) {
      c.require(t.equals("UpDecoderBlock2D"), "up_block_types", "UpDecoderBlock2D");
    }
    c.require(c.getString("act_fn", "silu").equals("silu"), "act_fn", "silu");
    c.require(c.getBool("mid_block_add_attention", true), "mid_block_add_attention", "true");
    c.require(!c.isSet("shift_factor"), "shift_factor", "null (SD3/Flux VAEs are not supported)");
    return new AutoencoderKLConfig(
        c.getInt("in_channels", 3),
        c.getInt("out_channels", 3),
        boc,
        c.getInt("layers_per_block", 1),
        c.getInt("latent_channels", 4),
        c.getInt("norm_num_groups", 32),
        c.getDouble("scaling_factor", 0.18215),
        c.getInt("sample_size", 32));
  }

  /** Pixels per latent pixel: 2^(number of blocks - 1). */
  public int downsampleFactor() {
    return 1 << (blockOutChannels.size() - 1);
  }
}
