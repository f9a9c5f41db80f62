package dev.unmasked.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The method's pure-Java pieces: masks, normalisation, resizing, prompts, truth matching. */
class ConceptPiecesTest {

  private static Mask mask(int w, int h, int... inside) {
    boolean[] b = new boolean[w * h];
    for (int i : inside) {
      b[i] = true;
    }
    return new Mask(w, h, b);
  }

  @Test
  void maskOperations() {
    Mask a = mask(2, 2, 0, 1);
    Mask b = mask(2, 2, 1, 3);
    assertEquals(1.0 / 3, a.iou(b), 1e-12);
    assertEquals(1.0, Mask.empty(2, 2).iou(Mask.empty(2, 2)));
    assertEquals(3, a.union(b).area());
    assertArrayEquals(new boolean[] {true, true, false, false}, a.flipped().inside());
    assertArrayEquals(new boolean[] {true, false, false, true}, mask(2, 2, 1, 2).flipped().flipped()
        .flipped().inside());
    Mask big = a.resizeNearest(4, 4); // top row doubled
    assertEquals(8, big.area());
    assertEquals(a.iou(a), big.resizeNearest(2, 2).iou(a));
    assertEquals(a.area(), Mask.fromImage(a.toImage()).area());
  }

  @Test
  void minMaxAndBilinear() {
    float[] n = Maps.minMax(new float[] {2, 4, 3, 2});
    assertArrayEquals(new float[] {0, 1, 0.5f, 0}, n, 1e-7f);
    assertArrayEquals(new float[] {0, 0}, Maps.minMax(new float[] {5, 5}));
    // align_corners=False: a 2x2 map to 4x4 keeps corners and interpolates between centres.
    float[] up = Maps.upsampleBilinear(new float[] {0, 1, 0, 1}, 2, 4);
    assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1}, new float[] {up[0], up[1], up[2], up[3]}, 1e-6f);
    float[] same = Maps.upsampleBilinear(new float[] {0.3f}, 1, 3);
    for (float v : same) {
      assertEquals(0.3f, v, 1e-7f);
    }
  }

  @Test
  void promptsFromTheTemplate() {
    LearnOptions toy = LearnOptions.toyDefaults();
    assertEquals("a <v1> and a <v2> on the <v3>", toy.prompt(List.of("<v1>", "<v2>"), List.of("<v3>")));
    assertEquals("a <v1>", toy.prompt(List.of("<v1>"), List.of()));
    assertEquals("a <v3>", toy.prompt(List.of(), List.of("<v3>")));
    assertEquals("a photo of <v1> and <v2>", LearnOptions.sdDefaults().prompt(List.of("<v1>", "<v2>"), List.of()));
  }

  @Test
  void truthMatchedByInitializerWordsThenOverlap() {
    Mask left = mask(4, 1, 0, 1);
    Mask right = mask(4, 1, 2, 3);
    Mask none = mask(4, 1);
    InputImage im = new InputImage(Path.of("x.png"), "x", 4, new int[4], List.of(
        new InputImage.Truth("object 1", List.of("plain", "red", "star"), false, left),
        new InputImage.Truth("object 2", List.of("striped", "blue", "star"), false, right),
        new InputImage.Truth("background", List.of("grass"), true, none)), "");
    List<ConceptSpec> cs = List.of(
        new ConceptSpec("<a>", "blue star", null, false, Map.of()),
        new ConceptSpec("<b>", "star", null, false, Map.of()),
        new ConceptSpec("<c>", "grass", null, true, Map.of()));
    // <a> names "blue" and "star": object 2; <b> only "star" (both): the one left; <c>: background.
    assertArrayEquals(new int[] {1, 0, 2}, GroundTruth.match(im, cs, List.of(left, left, none)));
    // Same words for both: overlap with the first masks decides.
    List<ConceptSpec> twins = List.of(new ConceptSpec("<a>", "star", null, false, Map.of()),
        new ConceptSpec("<b>", "star", null, false, Map.of()));
    assertArrayEquals(new int[] {1, 0}, GroundTruth.match(im, twins, List.of(right, left)));
  }

  @Test
  void backgroundLabelAndCrfGiveOneMaskPerConcept() {
    // Two concepts with clear maps on an image whose colours agree: left and right halves.
    int s = 8;
    int[] argb = new int[s * s];
    for (int p = 0; p < s * s; p++) {
      argb[p] = p % s < 4 ? 0xff0000 : 0x0000ff;
    }
    InputImage im = new InputImage(Path.of("y.png"), "y", s, argb, List.of(), "");
    float[] l = new float[4];
    float[] r = new float[4];
    l[0] = 1; l[2] = 1; // 2x2 map: left column hot
    r[1] = 1; r[3] = 1;
    MaskEstimator e = new MaskEstimator(null, LearnOptions.toyDefaults(), null);
    List<Mask> m = e.crf(im, List.of(l, r), 2, new boolean[] {false, true});
    assertTrue(m.get(0).area() > 20 && m.get(1).area() > 20, m.get(0).area() + " " + m.get(1).area());
    assertEquals(0, m.get(0).iou(m.get(1)), 1e-12, "labels are exclusive");
    for (int p = 0; p < s * s; p++) {
      if (p % s == 0) {
        assertTrue(m.get(0).inside()[p], "left edge belongs to the left concept");
      }
    }
  }
}
