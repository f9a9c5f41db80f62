package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AttentionLocalisationTest {

  @Test
  void perfectMapsScoreOneAndSwappedMapsZero() {
    int[] labels = {1, 1, 0, 2};
    boolean[][] masks = {MaskScores.mask(labels, 1), MaskScores.mask(labels, 2)};
    float[][] perfect = {{0.9f, 0.8f, 0.1f, 0.1f}, {0.1f, 0.1f, 0.2f, 0.7f}};
    AttentionLocalisation.Scores s = new AttentionLocalisation.Scores();
    AttentionLocalisation.score(s, perfect, labels, masks);
    assertEquals(1.0, s.iouThreshold(), 1e-12);
    assertEquals(1.0, s.iouArgmax(), 1e-12);
    assertEquals(1.0, s.ownHigher().rate(), 1e-12);
    assertEquals(2, s.objects());

    AttentionLocalisation.Scores w = new AttentionLocalisation.Scores();
    AttentionLocalisation.score(w, new float[][] {perfect[1], perfect[0]}, labels, masks);
    assertEquals(0.0, w.iouArgmax(), 1e-12);
    assertEquals(0.0, w.ownHigher().rate(), 1e-12);
  }

  @Test
  void objectsWithoutPixelsAreNotScored() {
    int[] labels = {1, 1, 0, 0};
    boolean[][] masks = {MaskScores.mask(labels, 1), MaskScores.mask(labels, 2)};
    AttentionLocalisation.Scores s = new AttentionLocalisation.Scores();
    AttentionLocalisation.score(s, new float[][] {{1, 1, 0, 0}, {0, 0, 1, 0}}, labels, masks);
    assertEquals(1, s.objects());
    assertEquals(0, s.ownHigher().n());
  }

  @Test
  void replacesThePhraseAndItsArticle() {
    assertEquals("a <t0> and a blue circle on the sand",
        AttentionLocalisation.replacePhrase("an orange star and a blue circle on the sand", "orange star", "<t0>"));
    assertEquals("a striped red star and a <t1> at night",
        AttentionLocalisation.replacePhrase("a striped red star and a blue circle at night", "blue circle", "<t1>"));
    assertThrows(IllegalStateException.class,
        () -> AttentionLocalisation.replacePhrase("a red star at night", "blue star", "<t>"));
  }

  @Test
  void findsTokenRuns() {
    assertEquals(2, AttentionLocalisation.find(new int[] {0, 5, 7, 8, 1}, new int[] {7, 8}, "c"));
    assertThrows(IllegalStateException.class,
        () -> AttentionLocalisation.find(new int[] {0, 5, 7}, new int[] {8}, "c"));
  }
}
