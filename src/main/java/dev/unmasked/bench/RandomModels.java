package dev.unmasked.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.clip.CLIPTextConfig;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.model.unet.UNet2DConditionConfig;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.model.vae.AutoencoderKLConfig;
import dev.unmasked.nn.Params;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * SD-1.5-shaped models with seeded random weights, from the bundled standard SD 1.x configs: for
 * speed and memory measurements where no real weights may be downloaded.
 */
public final class RandomModels {
  private RandomModels() {}

  static JsonObject config(String name) {
    String res = "/dev/unmasked/convert/" + name;
    try (InputStream in = RandomModels.class.getResourceAsStream(res)) {
      if (in == null) {
        throw new IllegalStateException("bundled config " + res + " missing from the jar");
      }
      return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static UNet2DConditionModel sd15Unet(NDManager m) {
    return new UNet2DConditionModel(
        UNet2DConditionConfig.from(new ConfigJson(config("sd1-unet.json"), "sd1-unet.json")),
        Params.initialised(1, m, DataType.FLOAT32));
  }

  /** The whole SD 1.5 pipeline shape (CLIP ViT-L/14 text encoder, VAE, UNet), random weights. */
  public static LoadedModel sd15Pipeline(NDManager m) {
    CLIPTextModel te = new CLIPTextModel(CLIPTextConfig.from(
        new ConfigJson(config("sd1-text_encoder.json"), "sd1-text_encoder.json")),
        Params.initialised(2, m, DataType.FLOAT32));
    AutoencoderKL vae = new AutoencoderKL(AutoencoderKLConfig.from(
        new ConfigJson(config("sd1-vae.json"), "sd1-vae.json")),
        Params.initialised(3, m, DataType.FLOAT32));
    return new LoadedModel("sd15-random", Path.of("sd15-random"), CLIPTokenizer.defaultClip(), te,
        sd15Unet(m), vae, config("sd1-scheduler.json"));
  }
}
