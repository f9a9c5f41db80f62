package dev.unmasked.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.unmasked.basemodel.ToyModelSpec;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.nn.Params;
import dev.unmasked.tokenizer.VocabularyBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A pipeline folder laid out like a pretrained toy-world model (ToyModelSpec's configs and
 * vocabulary, diffusers layout) with randomly initialised weights: what {@code eval base} and other
 * end-to-end tests load without shipping large files.
 */
public final class TinyToyModel {
  private TinyToyModel() {}

  public static Path write(Path dir, long seed) throws IOException {
    Files.createDirectories(dir);
    VocabularyBuilder.write(ToyModelSpec.vocabulary(), dir.resolve("tokenizer"));
    try (NDManager m = NDManager.newBaseManager()) {
      CLIPTextModel te = new CLIPTextModel(ToyModelSpec.textEncoderConfig(),
          Params.initialised(seed, m, DataType.FLOAT32));
      component(dir, "text_encoder", "model.safetensors", ToyModelSpec.textEncoderJson(), te.parameters());
      UNet2DConditionModel unet = new UNet2DConditionModel(ToyModelSpec.unetConfig(),
          Params.initialised(seed + 1, m, DataType.FLOAT32));
      component(dir, "unet", "diffusion_pytorch_model.safetensors", ToyModelSpec.unetJson(),
          unet.parameters());
      AutoencoderKL vae = new AutoencoderKL(ToyModelSpec.vaeConfig(),
          Params.initialised(seed + 2, m, DataType.FLOAT32));
      component(dir, "vae", "diffusion_pytorch_model.safetensors", ToyModelSpec.vaeJson(),
          vae.parameters());
    }
    Path sch = Files.createDirectories(dir.resolve("scheduler"));
    json(sch.resolve("scheduler_config.json"), ToyModelSpec.schedulerJson());
    JsonObject index = new JsonObject();
    index.addProperty("_class_name", "StableDiffusionPipeline");
    index.addProperty("_diffusers_version", "0.25.1");
    index.add("scheduler", pair("diffusers", "DDIMScheduler"));
    index.add("text_encoder", pair("transformers", "CLIPTextModel"));
    index.add("tokenizer", pair("transformers", "CLIPTokenizer"));
    index.add("unet", pair("diffusers", "UNet2DConditionModel"));
    index.add("vae", pair("diffusers", "AutoencoderKL"));
    index.add("safety_checker", pair(null, null));
    json(dir.resolve("model_index.json"), index);
    return dir;
  }

  private static void component(Path dir, String name, String file, JsonObject config,
      Map<String, NDArray> weights) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    json(d.resolve("config.json"), config);
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    weights.forEach((k, v) -> w.putF32(k, v.toFloatArray(), v.getShape().getShape()));
    w.write(d.resolve(file));
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

  private static void json(Path file, JsonObject o) throws IOException {
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o),
        StandardCharsets.UTF_8);
  }
}
