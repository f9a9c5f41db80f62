package dev.unmasked.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TrainingStreamTest {

  @Test
  void identicalForAnyThreadCount() {
    try (TrainingStream one = new TrainingStream(42, SceneOptions.training(), 1, 4);
        TrainingStream three = new TrainingStream(42, SceneOptions.training(), 3, 12)) {
      for (int i = 0; i < 60; i++) {
        TrainingStream.Sample a = one.next();
        TrainingStream.Sample b = three.next();
        assertEquals(i, a.index());
        assertEquals(a.scene(), b.scene());
        assertEquals(a.caption(), b.caption());
        assertArrayEquals(a.image(), b.image());
        assertEquals(SceneSampler.sample(42 + i, SceneOptions.training()), a.scene());
      }
    }
  }

  @Test
  void batchesConcatenateSamples() {
    try (TrainingStream s = new TrainingStream(7, SceneOptions.training(), 2, 8)) {
      TrainingStream.Batch b = s.nextBatch(5);
      assertEquals(5, b.size());
      assertEquals(5 * 3 * 64 * 64, b.images().length);
      float[] third = TrainingStream.render(7, 2, SceneOptions.training()).image();
      float[] slice = new float[third.length];
      System.arraycopy(b.images(), 2 * third.length, slice, 0, third.length);
      assertArrayEquals(third, slice);
    }
  }
}
