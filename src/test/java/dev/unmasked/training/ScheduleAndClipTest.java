package dev.unmasked.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduleAndClipTest {

  @Test
  void warmupThenCosineToFloor() {
    LrSchedule s = LrSchedule.cosine(1e-3, 10, 110, 0.1);
    assertEquals(1e-4, s.at(0), 1e-15);
    assertEquals(1e-3, s.at(9), 1e-15);
    assertEquals(1e-3, s.at(10), 1e-15);
    assertEquals(1e-3 * (0.1 + 0.9 * 0.5), s.at(60), 1e-12); // half way: cos(pi/2) = 0
    assertEquals(1e-4, s.at(110), 1e-15);
    assertEquals(1e-4, s.at(500), 1e-15);
    LrSchedule c = LrSchedule.constant(5e-4, 0);
    assertEquals(5e-4, c.at(0));
    assertEquals(5e-4, c.at(100000));
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0, 1, 10, 0.1));
  }

  @Test
  void clipsTheGlobalNormLikeTorch() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {1, 2});
      NDArray b = m.create(new float[] {2});
      a.setRequiresGradient(true);
      b.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        // gradients: a -> (3, 4)... as 3a0 + 2a1 -> (3, 2)? use explicit linear terms
        gc.backward(a.mul(m.create(new float[] {3, 4})).sum().add(b.mul(m.create(new float[] {12})).sum()));
      }
      double norm = GradClip.clip(List.of(a, b), 6.5);
      assertEquals(13.0, norm, 1e-6); // sqrt(9 + 16 + 144)
      double k = 6.5 / (13.0 + 1e-6);
      assertEquals(3 * k, a.getGradient().getFloat(0), 1e-6);
      assertEquals(12 * k, b.getGradient().getFloat(0), 1e-6);
      assertEquals(6.5, GradClip.globalNorm(List.of(a, b)), 1e-5);
      assertEquals(6.5, GradClip.clip(List.of(a, b), 100), 1e-5); // under the limit: unchanged
      assertEquals(3 * k, a.getGradient().getFloat(0), 1e-6);
    }
  }

  @Test
  void emaWarmsUpThenAverages() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray p = m.create(new float[] {0});
      try (Ema ema = new Ema(0.5, Map.of("p", p))) {
        p.addi(10);
        assertEquals(0.1, ema.currentDecay(), 1e-12); // (1 + 0) / (10 + 0)
        ema.update();
        assertEquals(9.0, ema.weights().get("p").getFloat(0), 1e-6);
        ema.update(); // decay min(0.5, 2/11)
        assertEquals(9.0 * 2 / 11 + 10 * 9.0 / 11, ema.weights().get("p").getFloat(0), 1e-5);
        assertTrue(ema.updates() == 2);
      }
    }
  }

  @Test
  void guardNamesStepAndTerm() {
    LossGuard.check(3, Map.of("l1", 0.5));
    LossGuard.DivergedException e = assertThrows(LossGuard.DivergedException.class,
        () -> LossGuard.check(17, Map.of("l1", 0.5, "kl", Double.NaN)));
    assertEquals(17, e.step());
    assertEquals("kl", e.term());
    assertTrue(e.getMessage().contains("step 17") && e.getMessage().contains("'kl'"), e.getMessage());
  }

  @Test
  void rngStateContinuesTheStream() {
    TrainRng a = new TrainRng(99);
    for (int i = 0; i < 10; i++) {
      a.nextGaussian();
    }
    TrainRng b = new TrainRng(a.state());
    assertEquals(a.nextLong(), b.nextLong());
    assertEquals(a.nextGaussian(), b.nextGaussian());
    for (int i = 0; i < 1000; i++) {
      int k = a.nextInt(7);
      assertTrue(k >= 0 && k < 7);
    }
  }
}
