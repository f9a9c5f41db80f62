package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.TensorInfo;
import dev.unmasked.io.TensorSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The interop contract: each single-file fixture loads to exactly the tensors and configs of its
 * diffusers folder (same keys, shapes, dtypes and float bits).
 */
class SingleFileCheckpointTest {

  @ParameterizedTest
  @CsvSource({"tiny-sd-single.safetensors, tiny-sd, SD1", "tiny-sd2-single.safetensors, tiny-sd2, SD2"})
  void loadsBitIdenticalTensors(String file, String folder, ModelKind kind) throws Exception {
    Path golden = TestFiles.golden(folder);
    SingleFileOptions o = SingleFileOptions.defaults().withConfigDir(golden);
    try (SingleFileCheckpoint c = SingleFileCheckpoint.open(TestFiles.interop(file), o)) {
      assertEquals(kind, c.kind());
      assertSame(golden.resolve("unet/diffusion_pytorch_model.safetensors"), c.unet());
      assertSame(golden.resolve("vae/diffusion_pytorch_model.safetensors"), c.vae());
      assertSame(golden.resolve("text_encoder/model.safetensors"), c.textEncoder());
      assertEquals(List.of(), c.ignoredKeys(), "the fixtures hold no extra keys");
      assertEquals(List.of(), c.warnings());
    }
  }

  private static void assertSame(Path diffusersFile, TensorSource mapped) throws Exception {
    try (SafetensorsFile want = SafetensorsFile.open(diffusersFile)) {
      assertEquals(want.keys(), mapped.keys(), "key set of " + diffusersFile);
      for (String k : want.keys()) {
        TensorInfo w = want.info(k);
        TensorInfo g = mapped.info(k);
        assertArrayEquals(w.shape(), g.shape(), k);
        assertEquals(w.dtype(), g.dtype(), k);
        assertEquals(k, g.name());
        float[] a = want.floats(k);
        float[] b = mapped.floats(k);
        assertEquals(a.length, b.length, k);
        for (int i = 0; i < a.length; i++) {
          if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
            throw new AssertionError(k + "[" + i + "]: " + a[i] + " != " + b[i]);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"tiny-sd-single, tiny-sd, 16, 16", "tiny-sd2-single, tiny-sd2, 32, 8"})
  void siblingYamlGivesTheFolderConfigsOnceGroupsAndTextEncoderArePatched(
      String name, String folder, int unetGroups, int vaeGroups) throws Exception {
    Path golden = TestFiles.golden(folder);
    SingleFileOptions o = SingleFileOptions.defaults()
        .withPatch(Component.UNET, groups(unetGroups))
        .withPatch(Component.VAE, groups(vaeGroups))
        .withPatch(Component.TEXT_ENCODER, TestFiles.json(golden.resolve("text_encoder/config.json")));
    // the yaml next to the checkpoint is found by name
    try (SingleFileCheckpoint c = SingleFileCheckpoint.open(TestFiles.interop(name + ".safetensors"), o)) {
      assertEquals(TestFiles.json(golden.resolve("unet/config.json")), c.unetConfig());
      assertEquals(TestFiles.json(golden.resolve("vae/config.json")), c.vaeConfig());
      assertEquals(TestFiles.json(golden.resolve("text_encoder/config.json")), c.textEncoderConfig());
      assertEquals(TestFiles.json(golden.resolve("scheduler/scheduler_config.json")), c.schedulerConfig());
      assertEquals(c.schedulerConfig().get("prediction_type").getAsString(), c.predictionType());
    }
  }

  private static JsonObject groups(int g) {
    JsonObject o = new JsonObject();
    o.addProperty("norm_num_groups", g);
    return o;
  }

  @org.junit.jupiter.api.Test
  void configsThatDoNotFitTheWeightsAreListedWithAHint() {
    Path file = TestFiles.interop("tiny-sd2-single.safetensors");
    SingleFileException e = assertThrows(SingleFileException.class,
        () -> SingleFileCheckpoint.open(file, Optional.empty()).close());
    String m = e.getMessage();
    assertTrue(m.contains(file.toString()), m);
    assertTrue(m.contains("vae norm_num_groups 32 does not divide block_out_channels [16,32]"), m);
    assertTrue(m.contains("text_encoder hidden_size is 1024 but"), m);
    assertTrue(m.contains("configDir"), m);
  }

  @org.junit.jupiter.api.Test
  void standardConfigsWithoutYamlAreCheckedAgainstTheLayout() {
    Path file = TestFiles.interop("tiny-sd-single.safetensors");
    SingleFileOptions o = SingleFileOptions.defaults().withSiblingYaml(false);
    SingleFileException e = assertThrows(SingleFileException.class,
        () -> SingleFileCheckpoint.open(file, o).close());
    assertTrue(e.getMessage().contains("unet config describes Layout[levels=4, layersPerBlock=2"), e.getMessage());
    assertTrue(e.getMessage().contains("unet cross_attention_dim is 768 but"), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void predictionTypeFollowsYamlUnlessOverridden() throws Exception {
    Path golden = TestFiles.golden("tiny-sd2");
    Path file = TestFiles.interop("tiny-sd2-single.safetensors");
    SingleFileOptions base = SingleFileOptions.defaults()
        .withPatch(Component.VAE, groups(8))
        .withPatch(Component.TEXT_ENCODER, TestFiles.json(golden.resolve("text_encoder/config.json")));
    try (SingleFileCheckpoint c = SingleFileCheckpoint.open(file, base)) {
      assertEquals("v_prediction", c.predictionType()); // parameterization: "v"
    }
    try (SingleFileCheckpoint c = SingleFileCheckpoint.open(file, base.withPredictionType("eps"))) {
      assertEquals("epsilon", c.predictionType());
      assertEquals("epsilon", c.schedulerConfig().get("prediction_type").getAsString());
    }
  }

  @org.junit.jupiter.api.Test
  void kindAssertionMustAgreeWithTheNaming() {
    Path file = TestFiles.interop("tiny-sd-single.safetensors");
    SingleFileException e = assertThrows(SingleFileException.class,
        () -> SingleFileCheckpoint.open(file, Optional.of(ModelKind.SD2)).close());
    assertTrue(e.getMessage().contains("expected Stable Diffusion 2.x"), e.getMessage());
    assertTrue(e.getMessage().contains("cond_stage_model.transformer."), e.getMessage());
  }
}
