package dev.unmasked.model.unet;

import dev.unmasked.model.ConfigJson;
import java.util.List;

/**
 * The subset of diffusers' {@code UNet2DConditionModel} config that SD 1.x/2.x use, with the JSON's
 * own keys. {@code attentionHeadDim} keeps diffusers' legacy meaning: it is the number of heads.
 */
public record UNet2DConditionConfig(
    int inChannels,
    int outChannels,
    List<Integer> blockOutChannels,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    String midBlockType,
    int layersPerBlock,
    List<Integer> attentionHeadDim,
    int crossAttentionDim,
    int normNumGroups,
    double normEps,
    boolean flipSinToCos,
    int freqShift,
    boolean useLinearProjection,
    boolean upcastAttention,
    int downsamplePadding,
    double midBlockScaleFactor,
    int transformerLayersPerBlock,
    int sampleSize) {

  public static UNet2DConditionConfig from(ConfigJson c) {
    List<Integer> boc = c.getIntList("block_out_channels", List.of(320, 640, 1280, 1280));
    List<String> down = c.getStringList("down_block_types", List.of("CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
    List<String> up = c.getStringList("up_block_types", List.of("UpBlock2D",
        "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
    for (String t : down) {
      c.require(t.equals("CrossAttnDownBlock2D") || t.equals("DownBlock2D"), "down_block_types",
          "CrossAttnDownBlock2D, DownBlock2D");
    }
    for (String t : up) {
      c.require(t.equals("CrossAttnUpBlock2D") || t.equals("UpBlock2D"), "up_block_types",
          "CrossAttnUpBlock2D, UpBlock2D");
    }
    c.require(down.size() == boc.size() && up.size() == boc.size(), "block_out_channels",
        "as many entries as down_block_types and up_block_types");
    String mid = c.getString("mid_block_type", "UNetMidBlock2DCrossAttn");
    c.require(mid.equals("UNetMidBlock2DCrossAttn"), "mid_block_type", "UNetMidBlock2DCrossAttn");
    c.require(!c.isSet("num_attention_heads"), "num_attention_heads",
        "null (SD 1.x/2.x give the head count in attention_head_dim)");
    c.require(c.getString("time_embedding_type", "positional").equals("positional"),
        "time_embedding_type", "positional");
    c.require(!c.isSet("class_embed_type"), "class_embed_type", "null");
    c.require(!c.isSet("addition_embed_type"), "addition_embed_type", "null (SDXL is not supported yet)");
    c.require(c.getString("act_fn", "silu").equals("silu"), "act_fn", "silu");
    c.require(c.getString("resnet_time_scale_shift", "default").equals("default"),
        "resnet_time_scale_shift", "default");
    c.require(!c.getBool("only_cross_attention", false), "only_cross_attention", "false");
    c.require(c.getInt("conv_in_kernel", 3) == 3 && c.getInt("conv_out_kernel", 3) == 3,
        "conv_in_kernel", "3");
    int tl = c.getInt("transformer_layers_per_block", 1);
    List<Integer> heads = c.getIntOrList("attention_head_dim", boc.size(),
        java.util.Collections.nCopies(boc.size(), 8));
    return new UNet2DConditionConfig(
        c.getInt("in_channels", 4),
        c.getInt("out_channels", 4),
        boc,
        down,
        up,
        mid,
        c.getInt("layers_per_block", 2),
        heads,
        c.getInt("cross_attention_dim", 1280),
        c.getInt("norm_num_groups", 32),
        c.getDouble("norm_eps", 1e-5),
        c.getBool("flip_sin_to_cos", true),
        c.getInt("freq_shift", 0),
        c.getBool("use_linear_projection", false),
        c.getBool("upcast_attention", false),
        c.getInt("downsample_padding", 1),
        c.getDouble("mid_block_scale_factor", 1.0),
        tl,
        c.getInt("sample_size", 64));
  }
}
