package dev.unmasked.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.scheduler.Schedulers;
import dev.unmasked.testutil.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole txt2img recipe against diffusers' StableDiffusionPipeline goldens. */
class StableDiffusionPipelineTest {

  @ParameterizedTest
  @ValueSource(strings = {"sd1", "sd2"})
  void reproducesDiffusersFromTheSameInitialLatents(String kind) throws Exception {
    String folder = kind.equals("sd1") ? "tiny-sd" : "tiny-sd2";
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("pipeline_" + kind + "_golden.safetensors")) {
      LoadedModel lm = LoadedModel.load(Golden.path(folder), m, DataType.FLOAT32);
      var meta = g.metadata();
      String negative = kind.equals("sd1") ? "" : meta.get("negative_prompt");
      GenerationRequest req = new GenerationRequest(meta.get("prompt"), negative, 4, 7.5, 16, 24,
          1, 0, g.floats("initial_latents"));
      StableDiffusionPipeline pipe = new StableDiffusionPipeline(lm,
          Schedulers.fromConfig(lm.schedulerConfig(), null));
      List<float[]> perStep = new ArrayList<>();
      StableDiffusionPipeline.Result r = pipe.generate(req, (d, t, lat) -> perStep.add(lat.clone()));
      assertEquals(4, perStep.size());
      for (int i = 0; i < 4; i++) {
        Golden.assertClose(kind + " step." + i + ".latents_after",
            g.floats("step." + i + ".latents_after"), perStep.get(i), 1e-3, 1e-4);
      }
      Golden.assertClose(kind + " final_latents", g.floats("final_latents"), r.latents(), 1e-3,
          1e-4);
      Golden.assertClose(kind + " image", g.floats("image"), r.images(), 1e-3, 0);
      long[] u8 = g.longs("image_uint8");
      for (int i = 0; i < u8.length; i++) {
        int mine = r.imagesUint8()[i] & 0xff;
        assertTrue(Math.abs(mine - u8[i]) <= 1, kind + " image_uint8[" + i + "] " + mine
            + " vs " + u8[i]);
      }
      assertArrayEquals(new int[] {1, 3, 16, 24}, r.imageShape());
    }
  }

  @Test
  void rejectsSizesTheVaeCannotProduce() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = LoadedModel.load(Golden.path("tiny-sd"), m, DataType.FLOAT32);
      StableDiffusionPipeline pipe = new StableDiffusionPipeline(lm,
          Schedulers.fromConfig(lm.schedulerConfig(), null));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> pipe.generate(new GenerationRequest("x", "", 2, 7.5, 15, 24, 1, 0, null), null));
      assertTrue(e.getMessage().contains("multiples of 2"), e.getMessage());
    }
  }

  @Test
  void imageIOfABatchEqualsASingleRunWithSeedPlusI() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = LoadedModel.load(Golden.path("tiny-sd"), m, DataType.FLOAT32);
      StableDiffusionPipeline pipe = new StableDiffusionPipeline(lm,
          Schedulers.fromConfig(lm.schedulerConfig(), "euler-a"));
      var batch = pipe.generate(new GenerationRequest("a red star", "", 3, 5, 8, 8, 2, 40, null),
          null);
      var single = pipe.generate(new GenerationRequest("a red star", "", 3, 5, 8, 8, 1, 41, null),
          null);
      int per = single.latents().length;
      float[] second = java.util.Arrays.copyOfRange(batch.latents(), per, 2 * per);
      Golden.assertClose("batch item 1 vs seed 41", single.latents(), second, 1e-4, 1e-4);
    }
  }

  @Test
  void singleFileCheckpointGeneratesWhatItsDiffusersFolderGenerates() throws Exception {
    java.nio.file.Path single = java.nio.file.Path.of(System.getProperty("unmasked.shared",
        "../shared"), "golden/interop/tiny-sd-single.safetensors");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(single),
        "interop fixture absent at " + single + "; skipped");
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel folder = LoadedModel.load(Golden.path("tiny-sd"), m, DataType.FLOAT32);
      LoadedModel file = LoadedModel.load(single, Golden.path("tiny-sd"), m, DataType.FLOAT32);
      GenerationRequest req = new GenerationRequest("a blue circle", "", 3, 6, 8, 8, 1, 3, null);
      float[] a = new StableDiffusionPipeline(folder,
          Schedulers.fromConfig(folder.schedulerConfig(), null)).generate(req, null).latents();
      float[] b = new StableDiffusionPipeline(file,
          Schedulers.fromConfig(file.schedulerConfig(), null)).generate(req, null).latents();
      assertArrayEquals(a, b, 0f);
    }
  }
}
