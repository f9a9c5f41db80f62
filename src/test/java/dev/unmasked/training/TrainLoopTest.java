package dev.unmasked.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.nn.Ops;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop's checkpoints: a run stopped and resumed equals an uninterrupted one, bit for bit. */
class TrainLoopTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @TempDir Path dir;

  /** Linear regression whose data depend on the step and whose noise comes from the loop's RNG. */
  private static final class Model implements AutoCloseable {
    final NDManager m = NDManager.newBaseManager();
    final NDArray w = m.create(new float[] {0.1f, -0.2f, 0.3f, 0.05f, 0.4f, -0.6f}, new Shape(2, 3));
    final NDArray b = m.zeros(new Shape(3));
    final AdamW opt;
    final Ema ema;

    Model() {
      Map<String, NDArray> p = new LinkedHashMap<>();
      p.put("w", w);
      p.put("b", b);
      opt = new AdamW(AdamW.Config.defaults(), p);
      ema = new Ema(0.9, p);
    }

    Map<String, NDArray> loss(long step, TrainRng rng) {
      float[] x = new float[8 * 2];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.sin(step * 31 + i);
      }
      NDArray xs = m.create(x, new Shape(8, 2));
      NDArray target = m.create(rng.gaussians(8 * 3), new Shape(8, 3)).add(1);
      NDArray err = Ops.linear(xs, w.transpose(), b).sub(target);
      return Map.of(TrainLoop.TOTAL, err.square().mean(), "abs", err.abs().mean());
    }

    long run(Path ckpt, long total, TrainLoop.Budget stop) throws Exception {
      TrainLoop.Start start = TrainLoop.resume(ckpt, opt, ema, 7, QUIET);
      TrainLoop.Settings s = new TrainLoop.Settings("test", total, 8,
          LrSchedule.cosine(0.05, 3, (int) total, 0.1), 0.5, 3600, stop, ckpt, Map.of("k", "v"));
      return TrainLoop.run(s, opt, ema, start, this::loss, null, null, QUIET);
    }

    @Override
    public void close() {
      opt.close();
      ema.close();
      m.close();
    }
  }

  @Test
  void resumedRunEqualsUninterruptedRun() throws Exception {
    Path straight = dir.resolve("straight.safetensors");
    Path split = dir.resolve("split.safetensors");
    float[] w;
    float[] ema;
    float[] m1;
    try (Model a = new Model()) {
      assertEquals(12, a.run(straight, 12, TrainLoop.Budget.none()));
      w = a.w.toFloatArray();
      ema = a.ema.weights().get("w").toFloatArray();
      m1 = a.opt.firstMoments().get("w").toFloatArray();
    }
    try (Model b = new Model()) {
      assertEquals(5, b.run(split, 12, TrainLoop.Budget.steps(5)));
    }
    assertEquals(5, Checkpoint.read(split).step());
    try (Model c = new Model()) {
      assertEquals(12, c.run(split, 12, TrainLoop.Budget.none()));
      assertArrayEquals(w, c.w.toFloatArray());
      assertArrayEquals(ema, c.ema.weights().get("w").toFloatArray());
      assertArrayEquals(m1, c.opt.firstMoments().get("w").toFloatArray());
      assertEquals(12, c.opt.stepCount());
    }
    Checkpoint done = Checkpoint.read(split);
    assertEquals(12, done.step());
    assertEquals("v", done.metadata().get("k"));
    assertArrayEquals(w, done.params().get("w"));
  }

  @Test
  void nonFiniteLossStopsAndKeepsTheLastCheckpoint() throws Exception {
    Path ckpt = dir.resolve("nan.safetensors");
    try (Model a = new Model()) {
      a.run(ckpt, 3, TrainLoop.Budget.none());
    }
    byte[] before = Files.readAllBytes(ckpt);
    try (Model a = new Model()) {
      TrainLoop.Start start = TrainLoop.resume(ckpt, a.opt, a.ema, 7, QUIET);
      TrainLoop.Settings s = new TrainLoop.Settings("test", 10, 8, LrSchedule.constant(0.01, 0), 0,
          0, TrainLoop.Budget.none(), ckpt, Map.of());
      LossGuard.DivergedException e = assertThrows(LossGuard.DivergedException.class,
          () -> TrainLoop.run(s, a.opt, a.ema, start, (step, rng) -> {
            Map<String, NDArray> l = new LinkedHashMap<>(a.loss(step, rng));
            if (step == 4) {
              l.put("abs", l.get("abs").mul(Float.NaN));
            }
            return l;
          }, null, null, QUIET));
      assertEquals(4, e.step());
      assertEquals("abs", e.term());
    }
    Checkpoint kept = Checkpoint.read(ckpt);
    assertEquals(4, kept.step(), "the checkpoint after the last good step");
    org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(ckpt)));
  }

  @Test
  void checkpointOfAnotherRunIsRefused() throws Exception {
    Path ckpt = dir.resolve("c.safetensors");
    try (Model a = new Model()) {
      a.run(ckpt, 2, TrainLoop.Budget.none());
    }
    try (NDManager m = NDManager.newBaseManager();
        AdamW other = new AdamW(AdamW.Config.defaults(), Map.of("x", m.zeros(new Shape(2))))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TrainLoop.resume(ckpt, other, null, 0, QUIET));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("do not match"), e.getMessage());
    }
  }
}
