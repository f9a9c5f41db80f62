package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.UserError;
import dev.unmasked.eval.GenerationDefaults;
import dev.unmasked.io.DType;
import dev.unmasked.io.Dtypes;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export}: the tiny-sd pipeline copied in fp16 keeps every file, key, shape and metadata;
 * each float becomes its nearest fp16 value and integer tensors stay byte for byte; training state
 * beside the pipeline stays behind; an existing target is kept unless replacing was asked for.
 */
class PipelineExportTest {
  private static final Path TINY = Path.of("src/test/resources/golden/tiny-sd");
  private static final List<String> WEIGHTS = List.of("text_encoder/model.safetensors",
      "vae/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.safetensors");

  @TempDir Path dir;

  @Test
  void fp16CopyRoundsEveryFloatAndKeepsTheRest() throws Exception {
    Path src = dir.resolve("src");
    dev.unmasked.io.TestTrees.copy(TINY, src);
    Files.createDirectories(src.resolve("checkpoints"));
    Files.writeString(src.resolve("checkpoints/unet.safetensors"), "training state");
    Path out = dir.resolve("out");
    PipelineExport.Summary s = PipelineExport.export(src, out, DType.F16,
        new GenerationDefaults(20, 3.0, "ddim"), false);

    assertFalse(Files.exists(out.resolve("checkpoints")), "training state must stay behind");
    assertEquals(new GenerationDefaults(20, 3.0, "ddim"), GenerationDefaults.read(out));
    for (String cfg : List.of("model_index.json", "unet/config.json", "vae/config.json",
        "text_encoder/config.json", "scheduler/scheduler_config.json", "tokenizer/vocab.json",
        "tokenizer/merges.txt")) {
      assertArrayEquals(Files.readAllBytes(TINY.resolve(cfg)), Files.readAllBytes(out.resolve(cfg)), cfg);
    }
    int tensors = 0;
    for (String w : WEIGHTS) {
      try (SafetensorsFile a = SafetensorsFile.open(TINY.resolve(w));
          SafetensorsFile b = SafetensorsFile.open(out.resolve(w))) {
        assertEquals(a.keys(), b.keys(), w);
        assertEquals(a.metadata(), b.metadata(), w);
        for (String k : a.keys()) {
          TensorInfo ta = a.info(k);
          TensorInfo tb = b.info(k);
          assertArrayEquals(ta.shape(), tb.shape(), k);
          if (ta.dtype().isFloating()) {
            assertEquals(DType.F16, tb.dtype(), k);
            float[] x = a.floats(k);
            float[] y = b.floats(k);
            for (int i = 0; i < x.length; i++) {
              float want = Dtypes.f16ToFloat(Dtypes.floatToF16(x[i]));
              assertEquals(want, y[i], 0f, k + "[" + i + "]");
            }
          } else {
            assertEquals(ta.dtype(), tb.dtype(), k);
            assertArrayEquals(a.longs(k), b.longs(k), k);
          }
          tensors++;
        }
      }
    }
    assertEquals(tensors, s.tensors());
    assertTrue(s.bytes() > 0 && s.bytes() < sizeOf(TINY), s.bytes() + " bytes");
  }

  @Test
  void existingTargetIsKeptUnlessReplacing() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("MINE.txt"), "keep me");
    UserError e = assertThrows(UserError.class,
        () -> PipelineExport.export(TINY, out, DType.F16, null, false));
    assertTrue(e.getMessage().contains("--force"), e.getMessage());
    assertEquals("keep me", Files.readString(out.resolve("MINE.txt")));

    PipelineExport.export(TINY, out, DType.F32, null, true);
    assertFalse(Files.exists(out.resolve("MINE.txt")));
    assertArrayEquals(Files.readAllBytes(TINY.resolve("unet/config.json")),
        Files.readAllBytes(out.resolve("unet/config.json")));
    try (var left = Files.list(dir)) {
      assertEquals(List.of(out), left.toList(), "no temporary folders left beside the target");
    }
  }

  @Test
  void notAPipelineIsRefused() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    UserError e = assertThrows(UserError.class,
        () -> PipelineExport.export(empty, dir.resolve("out"), DType.F16, null, false));
    assertTrue(e.getMessage().contains("model_index.json"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out")));
  }

  private static long sizeOf(Path p) throws Exception {
    try (var w = Files.walk(p)) {
      return w.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

}
