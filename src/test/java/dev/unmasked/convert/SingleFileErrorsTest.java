package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic files: unsupported families, foreign files, extra and unknown keys, EMA weights. */
class SingleFileErrorsTest {

  @TempDir Path tmp;

  private static TestFiles.Tensor scalar() {
    return new TestFiles.Tensor(new long[] {1}, new float[] {1f});
  }

  private Path file(String name, String... keys) throws Exception {
    Map<String, TestFiles.Tensor> m = new LinkedHashMap<>();
    for (String k : keys) {
      m.put(k, scalar());
    }
    Path p = tmp.resolve(name);
    TestFiles.write(p, m);
    return p;
  }

  @Test
  void sdxlIsNotSupportedYet() throws Exception {
    Path p = file("xl.safetensors",
        "model.diffusion_model.input_blocks.0.0.weight",
        "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight",
        "conditioner.embedders.1.model.ln_final.weight");
    SingleFileException e = assertThrows(SingleFileException.class,
        () -> SingleFileCheckpoint.open(p, Optional.empty()));
    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("Stable Diffusion XL"), e.getMessage());
    assertTrue(e.getMessage().contains("not supported yet"), e.getMessage());
  }

  @Test
  void aLoraIsNotACheckpointAndTheMarkersAreNamed() throws Exception {
    Path p = file("lora.safetensors",
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight");
    SingleFileException e = assertThrows(SingleFileException.class,
        () -> SingleFileCheckpoint.open(p, Optional.empty()));
    for (String marker : List.of("model.diffusion_model.", "cond_stage_model.transformer.",
        "cond_stage_model.model.", "conditioner.embedders.")) {
      assertTrue(e.getMessage().contains(marker), e.getMessage());
    }
  }

  /** tiny-sd-single plus extra tensors, opened with the folder's configs. */
  private SingleFileCheckpoint openWithExtras(Map<String, TestFiles.Tensor> extra, boolean ema)
      throws Exception {
    return open(withExtras(extra), ema);
  }

  /** Writes tiny-sd-single plus extra tensors (skips the test where the fixture is absent). */
  private Path withExtras(Map<String, TestFiles.Tensor> extra) throws Exception {
    Map<String, TestFiles.Tensor> all;
    try (SafetensorsFile f = SafetensorsFile.open(TestFiles.interop("tiny-sd-single.safetensors"))) {
      all = TestFiles.readAll(f);
    }
    all.putAll(extra);
    Path p = tmp.resolve("extra.safetensors");
    TestFiles.write(p, all);
    return p;
  }

  /** Opens a single file with the tiny-sd folder's configs. */
  private static SingleFileCheckpoint open(Path file, boolean ema) throws Exception {
    return SingleFileCheckpoint.open(file, SingleFileOptions.defaults()
        .withConfigDir(TestFiles.golden("tiny-sd")).withPreferEma(ema));
  }

  @Test
  void unknownKeyUnderAComponentPrefixIsAnError() throws Exception {
    Map<String, TestFiles.Tensor> extra = new LinkedHashMap<>();
    extra.put("model.diffusion_model.input_blocks.1.2.weight", scalar());
    extra.put("first_stage_model.encoder.mid.attn_2.q.weight", scalar());
    Path file = withExtras(extra); // outside assertThrows: a missing fixture skips, not fails
    SingleFileException e = assertThrows(SingleFileException.class, () -> open(file, false));
    assertTrue(e.getMessage().contains("2 keys"), e.getMessage());
    assertTrue(e.getMessage().contains("model.diffusion_model.input_blocks.1.2.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("first_stage_model.encoder.mid.attn_2.q.weight"), e.getMessage());
  }

  @Test
  void knownExtrasAreIgnoredAndForeignKeysWarned() throws Exception {
    Map<String, TestFiles.Tensor> extra = new LinkedHashMap<>();
    extra.put("alphas_cumprod", scalar());
    extra.put("cond_stage_model.transformer.text_model.embeddings.position_ids", scalar());
    extra.put("first_stage_model.loss.logvar", scalar());
    extra.put("model_ema.decay", scalar());
    extra.put("control_model.zero_convs.0.0.weight", scalar());
    try (SingleFileCheckpoint c = openWithExtras(extra, false)) {
      assertEquals(List.of("alphas_cumprod", "cond_stage_model.transformer.text_model.embeddings.position_ids",
          "control_model.zero_convs.0.0.weight", "first_stage_model.loss.logvar", "model_ema.decay"),
          c.ignoredKeys());
      assertEquals(1, c.warnings().size());
      assertTrue(c.warnings().get(0).contains("control_model.zero_convs.0.0.weight"), c.warnings().get(0));
      assertEquals(304, c.unet().keys().size());
      assertEquals(84, c.textEncoder().keys().size());
    }
  }

  @Test
  void emaWeightsAreUsedOnlyWhenAskedFor() throws Exception {
    Map<String, TestFiles.Tensor> ema = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(TestFiles.interop("tiny-sd-single.safetensors"))) {
      for (String k : f.keys()) {
        if (k.startsWith(UnetKeys.PREFIX)) {
          float[] v = f.floats(k);
          for (int i = 0; i < v.length; i++) {
            v[i] += 1f;
          }
          ema.put(SingleFileCheckpoint.emaKey(k), new TestFiles.Tensor(f.info(k).shape(), v));
        }
      }
    }
    assertEquals("model_ema.diffusion_modelinput_blocks10in_layers0weight",
        SingleFileCheckpoint.emaKey("model.diffusion_model.input_blocks.1.0.in_layers.0.weight"));
    String key = "down_blocks.0.resnets.0.norm1.weight";
    float[] normal;
    try (SingleFileCheckpoint c = openWithExtras(ema, false)) {
      normal = c.unet().floats(key);
      assertEquals(304, c.ignoredKeys().size());
    }
    try (SingleFileCheckpoint c = openWithExtras(ema, true)) {
      float[] e = c.unet().floats(key);
      for (int i = 0; i < e.length; i++) {
        assertEquals(normal[i] + 1f, e[i], key);
      }
      assertEquals(List.of(), c.warnings());
    }
  }

  @Test
  void askingForEmaWithoutEmaFallsBackWithAWarning() throws Exception {
    try (SingleFileCheckpoint c = openWithExtras(Map.of(), true)) {
      assertEquals(1, c.warnings().size());
      assertTrue(c.warnings().get(0).contains("has none"), c.warnings().get(0));
      assertArrayEquals(new long[] {32}, c.unet().info("conv_in.bias").shape());
    }
  }

  @Test
  void aConfigFolderWithIncompleteConfigsIsReported() throws Exception {
    Path dir = tmp.resolve("cfg");
    java.nio.file.Files.createDirectories(dir.resolve("unet"));
    java.nio.file.Files.writeString(dir.resolve("unet/config.json"), "{\"in_channels\": 4}");
    Path single = TestFiles.interop("tiny-sd-single.safetensors"); // skips where absent
    SingleFileException e = assertThrows(SingleFileException.class, () -> SingleFileCheckpoint.open(
        single, SingleFileOptions.defaults().withConfigDir(dir)));
    assertTrue(e.getMessage().contains("unet config lacks 'block_out_channels'"), e.getMessage());
    Path empty = tmp.resolve("empty");
    java.nio.file.Files.createDirectories(empty);
    SingleFileException none = assertThrows(SingleFileException.class, () -> SingleFileCheckpoint.open(
        single, SingleFileOptions.defaults().withConfigDir(empty)));
    assertTrue(none.getMessage().contains("config folder holds none of"), none.getMessage());
  }

  /** tiny-sd2-single plus copies of its last OpenCLIP block as blocks 5 .. 4+extraBlocks. */
  private SingleFileCheckpoint openSd2WithExtraBlocks(int extraBlocks) throws Exception {
    Map<String, TestFiles.Tensor> all;
    try (SafetensorsFile f = SafetensorsFile.open(TestFiles.interop("tiny-sd2-single.safetensors"))) {
      all = TestFiles.readAll(f);
    }
    String last = "cond_stage_model.model.transformer.resblocks.4.";
    Map<String, TestFiles.Tensor> extra = new LinkedHashMap<>();
    for (int b = 5; b < 5 + extraBlocks; b++) {
      for (Map.Entry<String, TestFiles.Tensor> e : all.entrySet()) {
        if (e.getKey().startsWith(last)) {
          extra.put("cond_stage_model.model.transformer.resblocks." + b + "."
              + e.getKey().substring(last.length()), e.getValue());
        }
      }
    }
    all.putAll(extra);
    all.put("cond_stage_model.model.text_projection", new TestFiles.Tensor(new long[] {32, 32}, new float[32 * 32]));
    all.put("cond_stage_model.model.logit_scale", new TestFiles.Tensor(new long[] {}, new float[] {1f}));
    Path p = tmp.resolve("sd2extra.safetensors");
    TestFiles.write(p, all);
    return SingleFileCheckpoint.open(p, SingleFileOptions.defaults().withConfigDir(TestFiles.golden("tiny-sd2")));
  }

  @Test
  void theOneUnusedLastOpenClipBlockIsDropped() throws Exception {
    try (SingleFileCheckpoint c = openSd2WithExtraBlocks(1)) {
      assertEquals(84, c.textEncoder().keys().size());
      assertEquals(14, c.ignoredKeys().size(), c.ignoredKeys().toString()); // 12 block tensors + 2
      assertTrue(c.ignoredKeys().contains("cond_stage_model.model.transformer.resblocks.5.attn.in_proj_weight"));
      assertTrue(c.ignoredKeys().contains("cond_stage_model.model.text_projection"));
      assertEquals(List.of(), c.warnings());
    }
    SingleFileException e = assertThrows(SingleFileException.class, () -> openSd2WithExtraBlocks(2));
    assertTrue(e.getMessage().contains("num_hidden_layers is 5 but the file stores 7 layers"), e.getMessage());
  }
}
