package dev.unmasked.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.unmasked.io.DType;
import dev.unmasked.io.Dtypes;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.ShardedSafetensors;
import dev.unmasked.io.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
  @TempDir(factory = dev.unmasked.io.ScratchDirs.class) Path tmp;

  private static final Path SD1 = Paths.get("src/test/resources/golden/tiny-sd");
  private static final Path SD2 = Paths.get("src/test/resources/golden/tiny-sd2");
  private static final String UNET_FILE = "diffusion_pytorch_model.safetensors";

  @Test
  void readsTinySd1Folder() throws IOException {
    ModelFolder f = ModelFolder.open(SD1);
    ModelIndex idx = f.index();
    assertEquals("StableDiffusionPipeline", idx.className());
    assertEquals("0.25.1", idx.diffusersVersion());
    assertEquals(
        List.of("scheduler", "text_encoder", "tokenizer", "unet", "vae"),
        List.copyOf(idx.components().keySet()));
    assertEquals(new ModelIndex.Component("diffusers", "UNet2DConditionModel"), idx.components().get("unet"));
    assertEquals(new ModelIndex.Component("transformers", "CLIPTextModel"), idx.components().get("text_encoder"));
    assertEquals("DDIMScheduler", idx.components().get("scheduler").className());
    assertTrue(idx.component("safety_checker").isEmpty());
    assertFalse(idx.raw().get("requires_safety_checker").getAsBoolean());

    assertEquals(32, f.config(ModelFolder.UNET).get("cross_attention_dim").getAsInt());
    assertFalse(f.config(ModelFolder.UNET).get("use_linear_projection").getAsBoolean());
    assertEquals(0.18215, f.config(ModelFolder.VAE).get("scaling_factor").getAsDouble(), 0);
    assertEquals("quick_gelu", f.config(ModelFolder.TEXT_ENCODER).get("hidden_act").getAsString());
    assertEquals("scheduler_config.json", f.configPath(ModelFolder.SCHEDULER).getFileName().toString());
    assertEquals(1000, f.config(ModelFolder.SCHEDULER).get("num_train_timesteps").getAsInt());
    assertEquals(77, f.config(ModelFolder.TOKENIZER).get("model_max_length").getAsInt());
    assertTrue(Files.isRegularFile(f.file(ModelFolder.TOKENIZER, "vocab.json")));

    WeightFile w = f.findWeights(ModelFolder.UNET, WeightVariant.DEFAULT);
    assertEquals(SD1.resolve("unet").resolve(UNET_FILE), w.path());
    assertFalse(w.sharded() || w.fp16());
    try (TensorSource unet = f.openWeights(ModelFolder.UNET);
        TensorSource te = f.openWeights(ModelFolder.TEXT_ENCODER)) {
      assertArrayEquals(new long[] {32, 4, 3, 3}, unet.info("conv_in.weight").shape());
      assertTrue(te.contains("text_model.embeddings.token_embedding.weight"));
      assertEquals("model.safetensors", Paths.get(te.describe()).getFileName().toString());
    }
  }

  @Test
  void readsTinySd2Folder() throws IOException {
    ModelFolder f = ModelFolder.open(SD2);
    assertTrue(f.config(ModelFolder.UNET).get("use_linear_projection").getAsBoolean());
    assertEquals("gelu", f.config(ModelFolder.TEXT_ENCODER).get("hidden_act").getAsString());
    assertEquals("v_prediction", f.config(ModelFolder.SCHEDULER).get("prediction_type").getAsString());
    try (TensorSource vae = f.openWeights(ModelFolder.VAE)) {
      assertArrayEquals(new long[] {16, 3, 3, 3}, vae.info("encoder.conv_in.weight").shape());
    }
  }

  @Test
  void missingPartsAreNamedWithTheirPath() throws IOException {
    Path dir = copy(SD1);
    Files.delete(dir.resolve("unet/config.json"));
    expect(() -> ModelFolder.open(dir).config("unet"), "lacks config.json", dir.resolve("unet/config.json"));

    deleteTree(dir.resolve("vae"));
    ModelFolder f = ModelFolder.open(dir);
    assertFalse(f.has("vae"));
    expect(() -> f.openWeights("vae"), "lists 'vae' but its folder", dir.resolve("vae"));
    expect(() -> f.componentDir("controlnet"), "no component 'controlnet'", dir.resolve("controlnet"));

    Files.delete(dir.resolve("text_encoder/model.safetensors"));
    expect(() -> f.openWeights("text_encoder"), "no weights for 'text_encoder'", dir.resolve("text_encoder"));

    Files.delete(dir.resolve("model_index.json"));
    expect(() -> ModelFolder.open(dir), "model_index.json is missing", dir);
    Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": ");
    expect(() -> ModelFolder.open(dir), "not valid JSON", dir.resolve("model_index.json"));
    Files.writeString(dir.resolve("model_index.json"), "{\"unet\": [\"diffusers\", \"X\"]}");
    expect(() -> ModelFolder.open(dir), "_class_name", dir.resolve("model_index.json"));
    expect(() -> ModelFolder.open(dir.resolve("nowhere")), "does not exist", dir.resolve("nowhere"));
  }

  @Test
  void legacyPickleIsRefusedWithConversionRecipe() throws IOException {
    Path dir = copy(SD1);
    Files.move(dir.resolve("unet").resolve(UNET_FILE), dir.resolve("unet/diffusion_pytorch_model.bin"));
    WeightLoadException e =
        assertThrows(WeightLoadException.class, () -> ModelFolder.open(dir).openWeights("unet"));
    assertTrue(
        e.getMessage().contains("diffusion_pytorch_model.bin")
            && e.getMessage().contains("pickle")
            && e.getMessage().contains("safe_serialization=True"),
        e.getMessage());
  }

  @Test
  void fp16VariantIsUsedWhenAskedOrWhenAlone() throws IOException {
    Path dir = copy(SD1);
    Path full = dir.resolve("vae").resolve(UNET_FILE);
    Path half = dir.resolve("vae/diffusion_pytorch_model.fp16.safetensors");
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    try (SafetensorsFile src = SafetensorsFile.open(full)) {
      for (String k : src.keys()) {
        w.putF16(k, src.floats(k), src.info(k).shape());
      }
    }
    w.write(half);
    ModelFolder f = ModelFolder.open(dir);
    assertEquals(full, f.findWeights("vae", WeightVariant.DEFAULT).path());
    WeightFile chosen = f.findWeights("vae", WeightVariant.FP16);
    assertEquals(half, chosen.path());
    assertTrue(chosen.fp16());
    try (TensorSource h = f.openWeights("vae", WeightVariant.FP16);
        SafetensorsFile s = SafetensorsFile.open(full)) {
      assertEquals(DType.F16, h.info("encoder.conv_in.weight").dtype());
      float[] a = s.floats("encoder.conv_in.weight");
      float[] b = h.floats("encoder.conv_in.weight");
      for (int i = 0; i < a.length; i++) {
        assertEquals(Dtypes.f16ToFloat(Dtypes.floatToF16(a[i])), b[i]);
      }
    }
    Files.delete(full);
    assertEquals(half, f.findWeights("vae", WeightVariant.DEFAULT).path());
    expect(() -> f.findWeights("unet", WeightVariant.FP16), "no fp16 variant of 'unet'", dir.resolve("unet"));
  }

  @Test
  void shardedComponentOpensAsOneSource() throws IOException {
    Path dir = copy(SD1);
    Path te = dir.resolve("text_encoder");
    Path single = te.resolve("model.safetensors");
    SafetensorsWriter a = new SafetensorsWriter();
    SafetensorsWriter b = new SafetensorsWriter();
    JsonObject map = new JsonObject();
    try (SafetensorsFile src = SafetensorsFile.open(single)) {
      for (String k : src.keys()) {
        boolean first = k.contains("layers.0.") || k.contains("embeddings");
        (first ? a : b).putF32(k, src.floats(k), src.info(k).shape());
        map.addProperty(k, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
      }
    }
    a.write(te.resolve("model-00001-of-00002.safetensors"));
    b.write(te.resolve("model-00002-of-00002.safetensors"));
    JsonObject root = new JsonObject();
    root.add("metadata", new JsonObject());
    root.add("weight_map", map);
    Files.writeString(te.resolve("model.safetensors.index.json"), root.toString());
    Path moved = tmp.resolve("model.safetensors");
    Files.move(single, moved);
    ModelFolder f = ModelFolder.open(dir);
    assertTrue(f.findWeights("text_encoder", WeightVariant.DEFAULT).sharded());
    try (TensorSource s = f.openWeights("text_encoder");
        SafetensorsFile orig = SafetensorsFile.open(moved)) {
      assertInstanceOf(ShardedSafetensors.class, s);
      assertEquals(orig.keys(), s.keys());
      String k = "text_model.final_layer_norm.weight";
      assertArrayEquals(orig.floats(k), s.floats(k));
    }
    Files.delete(te.resolve("model-00002-of-00002.safetensors"));
    expect(() -> f.openWeights("text_encoder"), "model-00002-of-00002.safetensors", te);
  }

  @Test
  void corruptWeightFileIsAWeightLoadException() throws IOException {
    Path dir = copy(SD1);
    Path w = dir.resolve("vae").resolve(UNET_FILE);
    byte[] bytes = Files.readAllBytes(w);
    Files.write(w, java.util.Arrays.copyOf(bytes, bytes.length - 1));
    expect(() -> ModelFolder.open(dir).openWeights("vae"), "re-download", w);
  }

  private static void expect(Executable ex, String text, Path path) {
    WeightLoadException e = assertThrows(WeightLoadException.class, ex);
    assertTrue(
        e.getMessage().contains(text) && e.getMessage().contains(path.toString()),
        "expected '" + text + "' and " + path + " in: " + e.getMessage());
  }

  private Path copy(Path src) throws IOException {
    Path dst = tmp.resolve("pipeline");
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return dst;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
