package dev.unmasked.convert;

import java.util.List;

/**
 * The inner rename tables: how the names inside one block differ between the original LDM code and
 * diffusers / transformers (from diffusers' {@code convert_from_ckpt.py} and its inverse script
 * {@code convert_diffusers_to_original_stable_diffusion.py}). Block prefixes are built per file by
 * {@link UnetKeys}, {@link VaeKeys} and {@link TextEncoderKeys}.
 */
public final class KeyTables {
  private KeyTables() {}

  /** A plain parameter holder (conv, linear, norm): weight and bias keep their names. */
  public static final List<Rename> PARAM =
      List.of(Rename.exact("weight", "weight"), Rename.exact("bias", "bias"));

  /** A key that is mapped whole by its block row (OpenCLIP's bare {@code positional_embedding}). */
  public static final List<Rename> WHOLE = List.of(Rename.exact("", ""));

  /** Anything below the block prefix keeps its name (SD 1.x text encoder, already transformers). */
  public static final List<Rename> ANY = List.of(Rename.prefix("", ""));

  /** UNet {@code ResBlock} to diffusers {@code ResnetBlock2D}. */
  public static final List<Rename> UNET_RESNET =
      List.of(
          Rename.prefix("in_layers.0.", "norm1."),
          Rename.prefix("in_layers.2.", "conv1."),
          Rename.prefix("emb_layers.1.", "time_emb_proj."),
          Rename.prefix("out_layers.0.", "norm2."),
          Rename.prefix("out_layers.3.", "conv2."),
          Rename.prefix("skip_connection.", "conv_shortcut."));

  /**
   * UNet {@code SpatialTransformer} to diffusers {@code Transformer2DModel}: the inner names are the
   * same ({@code transformer_blocks.k.attn1.to_q}, {@code ff.net.0.proj}, ...), and so are the
   * shapes (1x1 conv {@code proj_in} in SD 1.x, linear in SD 2.x).
   */
  public static final List<Rename> UNET_ATTENTION =
      List.of(
          Rename.prefix("norm.", "norm."),
          Rename.prefix("proj_in.", "proj_in."),
          Rename.prefix("proj_out.", "proj_out."),
          Rename.prefix("transformer_blocks.", "transformer_blocks."));

  /** VAE {@code ResnetBlock}: only the shortcut is renamed. */
  public static final List<Rename> VAE_RESNET =
      List.of(
          Rename.prefix("norm1.", "norm1."),
          Rename.prefix("conv1.", "conv1."),
          Rename.prefix("norm2.", "norm2."),
          Rename.prefix("conv2.", "conv2."),
          Rename.prefix("nin_shortcut.", "conv_shortcut."));

  /**
   * VAE mid-block {@code AttnBlock} to diffusers {@code Attention}: LDM stores the projections as
   * 1x1 convolutions [C, C, 1, 1], diffusers as linear layers [C, C]; the biases stay [C].
   */
  public static final List<Rename> VAE_ATTENTION =
      List.of(
          Rename.prefix("norm.", "group_norm."),
          Rename.exact("q.weight", "to_q.weight", Transform.SQUEEZE_1X1),
          Rename.exact("q.bias", "to_q.bias"),
          Rename.exact("k.weight", "to_k.weight", Transform.SQUEEZE_1X1),
          Rename.exact("k.bias", "to_k.bias"),
          Rename.exact("v.weight", "to_v.weight", Transform.SQUEEZE_1X1),
          Rename.exact("v.bias", "to_v.bias"),
          Rename.exact("proj_out.weight", "to_out.0.weight", Transform.SQUEEZE_1X1),
          Rename.exact("proj_out.bias", "to_out.0.bias"));

  /**
   * One OpenCLIP {@code ResidualAttentionBlock} to transformers {@code CLIPEncoderLayer}. The fused
   * {@code in_proj} is split in three equal parts along dimension 0 (q, k, v), whatever the width.
   */
  public static final List<Rename> OPENCLIP_LAYER =
      List.of(
          Rename.prefix("ln_1.", "layer_norm1."),
          Rename.prefix("ln_2.", "layer_norm2."),
          Rename.prefix("mlp.c_fc.", "mlp.fc1."),
          Rename.prefix("mlp.c_proj.", "mlp.fc2."),
          Rename.prefix("attn.out_proj.", "self_attn.out_proj."),
          Rename.exact("attn.in_proj_weight", "self_attn.q_proj.weight", Transform.THIRD_Q),
          Rename.exact("attn.in_proj_weight", "self_attn.k_proj.weight", Transform.THIRD_K),
          Rename.exact("attn.in_proj_weight", "self_attn.v_proj.weight", Transform.THIRD_V),
          Rename.exact("attn.in_proj_bias", "self_attn.q_proj.bias", Transform.THIRD_Q),
          Rename.exact("attn.in_proj_bias", "self_attn.k_proj.bias", Transform.THIRD_K),
          Rename.exact("attn.in_proj_bias", "self_attn.v_proj.bias", Transform.THIRD_V));
}
