package dev.unmasked.convert;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cross-checks the resolved configs against the tensor shapes in the file, so that a standard SD
 * config applied to a differently sized model fails at open time with every disagreement listed,
 * instead of producing a model that binds wrongly or computes garbage. Group counts cannot be seen in
 * the weights; only their divisibility is checked.
 */
final class ConfigChecks {
  private ConfigChecks() {}

  static final String HINT =
      "Give the checkpoint's original LDM yaml (SingleFileOptions.originalConfig, or a <name>.yaml "
          + "next to the file) and/or a diffusers folder whose unet/, vae/, text_encoder/ config.json "
          + "files describe this model (SingleFileOptions.configDir).";

  private static final List<String> UNET_KEYS = List.of("block_out_channels", "down_block_types",
      "up_block_types", "layers_per_block", "in_channels", "out_channels", "cross_attention_dim",
      "use_linear_projection", "norm_num_groups");
  private static final List<String> VAE_KEYS = List.of("block_out_channels", "layers_per_block",
      "in_channels", "out_channels", "latent_channels", "norm_num_groups");
  private static final List<String> TEXT_KEYS = List.of("hidden_size", "vocab_size",
      "max_position_embeddings", "intermediate_size", "num_attention_heads", "num_hidden_layers");

  /** Adds a problem for each key the config lacks; true when none is missing. */
  private static boolean has(JsonObject config, String what, List<String> keys, List<String> problems) {
    boolean all = true;
    for (String k : keys) {
      if (!config.has(k) || config.get(k).isJsonNull()) {
        problems.add(what + " config lacks '" + k + "'");
        all = false;
      }
    }
    return all;
  }

  /** Checks UNet and VAE configs; returns the problems found (empty when consistent). */
  static List<String> unetAndVae(
      SafetensorsFile f,
      Map<Component, JsonObject> configs,
      UnetKeys.Layout unetLayout,
      VaeKeys.Layout vaeLayout) {
    List<String> problems = new ArrayList<>();
    JsonObject unet = configs.get(Component.UNET);
    JsonObject vae = configs.get(Component.VAE);
    if (!has(unet, "unet", UNET_KEYS, problems) | !has(vae, "vae", VAE_KEYS, problems)) {
      return problems;
    }
    UnetKeys.Layout fromConfig = UnetKeys.Layout.fromConfig(unet);
    if (!fromConfig.equals(unetLayout)) {
      problems.add("unet config describes " + fromConfig + " but the file's input/output_blocks give "
          + unetLayout);
    }
    JsonArray out = unet.getAsJsonArray("block_out_channels");
    String p = UnetKeys.PREFIX;
    dim(f, p + "input_blocks.0.0.weight", 0, out.get(0).getAsLong(), "unet block_out_channels[0]", problems);
    dim(f, p + "input_blocks.0.0.weight", 1, unet.get("in_channels").getAsLong(), "unet in_channels", problems);
    dim(f, p + "out.2.weight", 0, unet.get("out_channels").getAsLong(), "unet out_channels", problems);
    int l = unetLayout.layersPerBlock();
    for (int b = 0; b < Math.min(out.size(), unetLayout.levels()); b++) {
      dim(f, p + "input_blocks." + (1 + b * (l + 1)) + ".0.out_layers.3.weight", 0,
          out.get(b).getAsLong(), "unet block_out_channels[" + b + "]", problems);
    }
    firstEnding(f, p, "attn2.to_k.weight").ifPresent(k ->
        dim(f, k, 1, unet.get("cross_attention_dim").getAsLong(), "unet cross_attention_dim", problems));
    firstEnding(f, p, "proj_in.weight").ifPresent(k -> {
      boolean linear = info(f, k).shape().length == 2;
      if (linear != unet.get("use_linear_projection").getAsBoolean()) {
        problems.add("unet use_linear_projection is " + !linear + " but '" + k + "' is "
            + (linear ? "a linear weight" : "a 1x1 convolution"));
      }
    });
    groups(unet, "unet", problems);

    JsonArray vOut = vae.getAsJsonArray("block_out_channels");
    VaeKeys.Layout vFromConfig = new VaeKeys.Layout(vOut.size(), vae.get("layers_per_block").getAsInt());
    if (!vFromConfig.equals(vaeLayout)) {
      problems.add("vae config describes " + vFromConfig + " but the file's encoder.down blocks give "
          + vaeLayout);
    }
    String v = VaeKeys.PREFIX;
    for (int i = 0; i < Math.min(vOut.size(), vaeLayout.levels()); i++) {
      dim(f, v + "encoder.down." + i + ".block.0.conv1.weight", 0, vOut.get(i).getAsLong(),
          "vae block_out_channels[" + i + "]", problems);
    }
    dim(f, v + "encoder.conv_in.weight", 1, vae.get("in_channels").getAsLong(), "vae in_channels", problems);
    dim(f, v + "decoder.conv_out.weight", 0, vae.get("out_channels").getAsLong(), "vae out_channels", problems);
    dim(f, v + "post_quant_conv.weight", 0, vae.get("latent_channels").getAsLong(), "vae latent_channels", problems);
    groups(vae, "vae", problems);
    return problems;
  }

  /**
   * Checks the text-encoder config and decides how many stored layers it runs.
   *
   * @param storedLayers layers in the file (OpenCLIP blocks or transformers layers)
   * @return the number of layers to map; the rest (only ever the unused last SD 2.x block) is dropped
   */
  static int textEncoder(
      SafetensorsFile f, ModelKind kind, JsonObject te, int storedLayers, List<String> problems) {
    if (!has(te, "text_encoder", TEXT_KEYS, problems)) {
      return 0;
    }
    boolean openClip = kind == ModelKind.SD2;
    String tok = openClip
        ? TextEncoderKeys.OPENCLIP_PREFIX + "token_embedding.weight"
        : TextEncoderKeys.SD1_PREFIX + "text_model.embeddings.token_embedding.weight";
    String pos = openClip
        ? TextEncoderKeys.OPENCLIP_PREFIX + "positional_embedding"
        : TextEncoderKeys.SD1_PREFIX + "text_model.embeddings.position_embedding.weight";
    String fc1 = openClip
        ? TextEncoderKeys.OPENCLIP_PREFIX + "transformer.resblocks.0.mlp.c_fc.weight"
        : TextEncoderKeys.SD1_PREFIX + "text_model.encoder.layers.0.mlp.fc1.weight";
    long hidden = te.get("hidden_size").getAsLong();
    dim(f, tok, 1, hidden, "text_encoder hidden_size", problems);
    dim(f, tok, 0, te.get("vocab_size").getAsLong(), "text_encoder vocab_size", problems);
    dim(f, pos, 0, te.get("max_position_embeddings").getAsLong(),
        "text_encoder max_position_embeddings", problems);
    dim(f, fc1, 0, te.get("intermediate_size").getAsLong(), "text_encoder intermediate_size", problems);
    long heads = te.get("num_attention_heads").getAsLong();
    if (heads <= 0 || hidden % heads != 0) {
      problems.add("text_encoder num_attention_heads " + heads + " does not divide hidden_size " + hidden);
    }
    int layers = te.get("num_hidden_layers").getAsInt();
    if (layers == storedLayers || (openClip && layers == storedLayers - 1)) {
      return layers;
    }
    problems.add("text_encoder num_hidden_layers is " + layers + " but the file stores " + storedLayers
        + " layers" + (openClip ? " (an SD 2.x file may store one more, which is not run)" : ""));
    return Math.min(layers, storedLayers);
  }

  private static void groups(JsonObject config, String what, List<String> problems) {
    long g = config.get("norm_num_groups").getAsLong();
    for (var c : config.getAsJsonArray("block_out_channels")) {
      if (g <= 0 || c.getAsLong() % g != 0) {
        problems.add(what + " norm_num_groups " + g + " does not divide block_out_channels "
            + config.get("block_out_channels") + " (LDM yaml files cannot state group counts; tiny "
            + "models need them from a config folder or patch)");
        return;
      }
    }
  }

  private static void dim(
      SafetensorsFile f, String key, int axis, long expected, String what, List<String> problems) {
    TensorInfo t = f.tensors().get(key);
    if (t == null || t.shape().length <= axis) {
      return; // a missing tensor is reported when the model binds its weights
    }
    if (t.shape()[axis] != expected) {
      problems.add(what + " is " + expected + " but '" + key + "' has shape " + t.shapeString());
    }
  }

  private static Optional<String> firstEnding(SafetensorsFile f, String prefix, String suffix) {
    return f.keys().stream().filter(k -> k.startsWith(prefix) && k.endsWith(suffix)).findFirst();
  }

  private static TensorInfo info(SafetensorsFile f, String key) {
    return f.tensors().get(key);
  }
}
