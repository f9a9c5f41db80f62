package dev.unmasked.convert;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Diffusers configs for a single file, which carries none. The base is the standard config of the
 * family (SD 1.5 or SD 2.1, shipped as {@code sd1-*.json} / {@code sd2-*.json} resources). An LDM
 * "original config" yaml, when given, replaces every field it can express, following diffusers'
 * {@code create_unet_diffusers_config} / {@code create_vae_diffusers_config}. Group counts and the
 * text encoder's sizes cannot be expressed in the yaml; they stay at the base values unless a
 * config folder or patch supplies them (see {@link SingleFileOptions}).
 */
public final class LdmConfigs {
  private LdmConfigs() {}

  public static final String EPSILON = "epsilon";
  public static final String V_PREDICTION = "v_prediction";

  /** A fresh copy of the standard config of {@code kind} for {@code component}. */
  public static JsonObject standard(ModelKind kind, Component component) {
    String name = (kind == ModelKind.SD2 ? "sd2-" : "sd1-") + component.folder() + ".json";
    try (InputStream in = LdmConfigs.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/unmasked/convert/" + name);
      }
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + name, e);
    }
  }

  /** Normalises "eps"/"epsilon"/"v"/"v_prediction" (any case) to diffusers' spelling. */
  public static String normalisePrediction(String p) {
    return switch (p.toLowerCase(java.util.Locale.ROOT)) {
      case "eps", "epsilon" -> EPSILON;
      case "v", "v_prediction", "v-prediction" -> V_PREDICTION;
      default -> throw new IllegalArgumentException(
          "unknown prediction type '" + p + "': use epsilon or v_prediction");
    };
  }

  /**
   * Configs before config-folder files and patches are applied.
   *
   * @param yaml the parsed original config, if any
   * @param predictionOverride an explicit prediction type, if any (already normalised)
   */
  public static Map<Component, JsonObject> derive(
      ModelKind kind, Optional<JsonObject> yaml, Optional<String> predictionOverride) {
    Map<Component, JsonObject> out = new EnumMap<>(Component.class);
    for (Component c : Component.values()) {
      out.put(c, standard(kind, c));
    }
    String prediction;
    if (yaml.isPresent()) {
      JsonObject params = path(yaml.get(), "", "model", "params");
      applyUnet(out.get(Component.UNET), params);
      applyVae(out.get(Component.VAE), params);
      applyScheduler(out.get(Component.SCHEDULER), params);
      // LDM's default parameterization is eps: SD 2.x base yaml files have no entry at all
      prediction = optString(params, "parameterization").map(LdmConfigs::normalisePrediction).orElse(EPSILON);
    } else {
      // without a yaml, SD 2.x means the 768-v model (diffusers does the same when global_step is unknown)
      prediction = kind == ModelKind.SD2 ? V_PREDICTION : EPSILON;
    }
    prediction = predictionOverride.orElse(prediction);
    out.get(Component.SCHEDULER).addProperty("prediction_type", prediction);
    if (yaml.isEmpty() && kind == ModelKind.SD2 && prediction.equals(EPSILON)) {
      // SD 2.x base: 512-pixel model
      out.get(Component.UNET).addProperty("sample_size", 64);
      out.get(Component.VAE).addProperty("sample_size", 512);
    }
    return out;
  }

  private static void applyUnet(JsonObject unet, JsonObject params) {
    JsonObject p = path(params, "model.params", "unet_config", "params");
    if (p.has("num_classes") || p.has("adm_in_channels")) {
      throw new IllegalArgumentException(
          "the yaml's UNet has class/ADM conditioning (num_classes / adm_in_channels): an SDXL or "
              + "unCLIP model, not supported");
    }
    int channels = req(p, "model.params.unet_config.params", "model_channels").getAsInt();
    JsonArray mult = req(p, "model.params.unet_config.params", "channel_mult").getAsJsonArray();
    JsonArray attnRes = req(p, "model.params.unet_config.params", "attention_resolutions").getAsJsonArray();
    JsonArray blockOut = new JsonArray();
    JsonArray down = new JsonArray();
    JsonArray up = new JsonArray();
    int resolution = 1;
    for (int i = 0; i < mult.size(); i++) {
      blockOut.add(channels * mult.get(i).getAsInt());
      down.add(attnRes.contains(new JsonPrimitive(resolution)) ? "CrossAttnDownBlock2D" : "DownBlock2D");
      if (i != mult.size() - 1) {
        resolution *= 2;
      }
    }
    for (int i = 0; i < mult.size(); i++) {
      up.add(attnRes.contains(new JsonPrimitive(resolution)) ? "CrossAttnUpBlock2D" : "UpBlock2D");
      resolution /= 2;
    }
    unet.add("block_out_channels", blockOut);
    unet.add("down_block_types", down);
    unet.add("up_block_types", up);
    unet.add("in_channels", req(p, "model.params.unet_config.params", "in_channels"));
    unet.add("out_channels", req(p, "model.params.unet_config.params", "out_channels"));
    if (!req(p, "model.params.unet_config.params", "num_res_blocks").isJsonPrimitive()) {
      throw new IllegalArgumentException("num_res_blocks per level is not supported");
    }
    unet.addProperty("layers_per_block", p.get("num_res_blocks").getAsInt());
    if (p.has("transformer_depth") && !p.get("transformer_depth").isJsonNull()) {
      unet.add("transformer_layers_per_block", p.get("transformer_depth"));
    }
    JsonElement context = p.get("context_dim");
    if (context != null && !context.isJsonNull()) {
      unet.add("cross_attention_dim", context.isJsonArray() ? context.getAsJsonArray().get(0) : context);
    }
    boolean linear = p.has("use_linear_in_transformer") && p.get("use_linear_in_transformer").getAsBoolean();
    unet.addProperty("use_linear_projection", linear);
    // diffusers' attention_head_dim holds LDM's num_heads (a historical misnomer); with
    // num_head_channels instead, the head count grows with the level's width
    if (p.has("num_heads") && p.get("num_heads").getAsInt() > 0) {
      unet.add("attention_head_dim", p.get("num_heads"));
    } else if (p.has("num_head_channels") && p.get("num_head_channels").getAsInt() > 0) {
      int perLevel = channels / p.get("num_head_channels").getAsInt();
      JsonArray heads = new JsonArray();
      for (JsonElement m : mult) {
        heads.add(perLevel * m.getAsInt());
      }
      unet.add("attention_head_dim", heads);
    }
    if (params.has("image_size")) { // LDM's image_size is the latent size
      unet.add("sample_size", params.get("image_size"));
    }
  }

  private static void applyVae(JsonObject vae, JsonObject params) {
    JsonObject dd = path(params, "model.params", "first_stage_config", "params", "ddconfig");
    int ch = req(dd, "model.params.first_stage_config.params.ddconfig", "ch").getAsInt();
    JsonArray mult = req(dd, "model.params.first_stage_config.params.ddconfig", "ch_mult").getAsJsonArray();
    JsonArray blockOut = new JsonArray();
    JsonArray down = new JsonArray();
    JsonArray up = new JsonArray();
    for (JsonElement m : mult) {
      blockOut.add(ch * m.getAsInt());
      down.add("DownEncoderBlock2D");
      up.add("UpDecoderBlock2D");
    }
    vae.add("block_out_channels", blockOut);
    vae.add("down_block_types", down);
    vae.add("up_block_types", up);
    vae.add("in_channels", req(dd, "model.params.first_stage_config.params.ddconfig", "in_channels"));
    vae.add("out_channels", req(dd, "model.params.first_stage_config.params.ddconfig", "out_ch"));
    vae.add("latent_channels", req(dd, "model.params.first_stage_config.params.ddconfig", "z_channels"));
    vae.add("layers_per_block", req(dd, "model.params.first_stage_config.params.ddconfig", "num_res_blocks"));
    if (params.has("image_size")) {
      vae.addProperty("sample_size", params.get("image_size").getAsInt() << (mult.size() - 1));
    }
    if (params.has("scale_factor")) {
      vae.add("scaling_factor", params.get("scale_factor"));
    }
  }

  private static void applyScheduler(JsonObject scheduler, JsonObject params) {
    copy(params, "linear_start", scheduler, "beta_start");
    copy(params, "linear_end", scheduler, "beta_end");
    copy(params, "timesteps", scheduler, "num_train_timesteps");
  }

  private static void copy(JsonObject from, String key, JsonObject to, String as) {
    if (from.has(key) && !from.get(key).isJsonNull()) {
      to.add(as, from.get(key));
    }
  }

  private static Optional<String> optString(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e.getAsString());
  }

  /** A field the derivation cannot do without; a missing one is an error naming its yaml path. */
  private static JsonElement req(JsonObject o, String where, String key) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      throw new IllegalArgumentException("the yaml has no '" + where + "." + key + "'");
    }
    return e;
  }

  /** Follows nested mapping keys; a missing step is an error naming the whole path. */
  static JsonObject path(JsonObject root, String base, String... keys) {
    JsonObject o = root;
    StringBuilder where = new StringBuilder(base);
    for (String k : keys) {
      where.append(where.length() == 0 ? "" : ".").append(k);
      JsonElement e = o.get(k);
      if (e == null || !e.isJsonObject()) {
        throw new IllegalArgumentException("the yaml has no mapping '" + where + "'");
      }
      o = e.getAsJsonObject();
    }
    return o;
  }
}
