package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.tokenizer.VocabularyBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes the toy model's parts into a diffusers pipeline folder (the VAE is written by its stage). */
final class ModelExport {
  private ModelExport() {}

  static void writeTokenizer(Path out) throws IOException {
    VocabularyBuilder.write(ToyModelSpec.vocabulary(), out.resolve("tokenizer"));
  }

  static void writeTextAndUNet(Path out, Map<String, NDArray> textEncoder, Map<String, NDArray> unet,
      JsonObject unetConfig, Map<String, String> metadata) throws IOException {
    Path te = Files.createDirectories(out.resolve("text_encoder"));
    json(te.resolve("config.json"), ToyModelSpec.textEncoderJson());
    WeightFiles.write(te.resolve("model.safetensors"), textEncoder, metadata);
    Path u = Files.createDirectories(out.resolve("unet"));
    json(u.resolve("config.json"), unetConfig);
    WeightFiles.write(u.resolve("diffusion_pytorch_model.safetensors"), unet, metadata);
    Path sch = Files.createDirectories(out.resolve("scheduler"));
    json(sch.resolve("scheduler_config.json"), ToyModelSpec.schedulerJson());
    JsonObject index = new JsonObject();
    index.addProperty("_class_name", "StableDiffusionPipeline");
    index.addProperty("_diffusers_version", "0.25.1");
    for (String none : new String[] {"feature_extractor", "image_encoder", "safety_checker"}) {
      index.add(none, pair(null, null));
    }
    index.addProperty("requires_safety_checker", false);
    index.add("scheduler", pair("diffusers", "DDIMScheduler"));
    index.add("text_encoder", pair("transformers", "CLIPTextModel"));
    index.add("tokenizer", pair("transformers", "CLIPTokenizer"));
    index.add("unet", pair("diffusers", "UNet2DConditionModel"));
    index.add("vae", pair("diffusers", "AutoencoderKL"));
    json(out.resolve("model_index.json"), index);
  }

  private static JsonArray pair(String a, String b) {
    JsonArray arr = new JsonArray();
    if (a == null) {
      arr.add(JsonNull.INSTANCE);
      arr.add(JsonNull.INSTANCE);
    } else {
      arr.add(a);
      arr.add(b);
    }
    return arr;
  }

  static void json(Path file, JsonObject o) throws IOException {
    AtomicFile.write(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o)
        .getBytes(StandardCharsets.UTF_8));
  }
}
