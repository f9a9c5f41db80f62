package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MaskScoresTest {

  @Test
  void minMaxMapsOntoZeroOneAndAConstantMapToZeros() {
    assertArrayEquals(new float[] {0f, 0.25f, 1f, 0.5f}, MaskScores.minMax(new float[] {2, 3, 6, 4}), 1e-6f);
    assertArrayEquals(new float[] {0, 0, 0}, MaskScores.minMax(new float[] {0.3f, 0.3f, 0.3f}));
  }

  @Test
  void thresholdKeepsValuesAtOrAboveIt() {
    boolean[] t = MaskScores.threshold(new float[] {0.49f, 0.5f, 0.9f, 0f}, 0.5);
    assertArrayEquals(new boolean[] {false, true, true, false}, t);
  }

  @Test
  void iouOfHandMadeMasks() {
    boolean[] a = {true, true, false, false, true};
    boolean[] b = {true, false, false, true, true};
    // intersection {0, 4} = 2, union {0, 1, 3, 4} = 4
    assertEquals(0.5, MaskScores.iou(a, b), 1e-12);
    assertEquals(1.0, MaskScores.iou(a, a), 1e-12);
    assertEquals(0.0, MaskScores.iou(new boolean[] {true, false}, new boolean[] {false, true}), 1e-12);
    assertEquals(1.0, MaskScores.iou(new boolean[3], new boolean[3]), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> MaskScores.iou(new boolean[2], new boolean[3]));
  }

  @Test
  void argmaxAmongObjectsAndOneMinusMaxBackground() {
    float[] obj0 = {1.0f, 0.2f, 0.6f, 0.0f, 0.5f};
    float[] obj1 = {0.1f, 0.9f, 0.7f, 0.3f, 0.2f};
    int[] labels = MaskScores.argmaxLabels(List.of(obj0, obj1));
    // pixel 2: object 1 (0.7 > 0.6, background 0.3); pixel 3: background 0.7; pixel 4: tie 0.5 vs
    // background 0.5 goes to the background
    assertArrayEquals(new int[] {1, 2, 2, 0, 0}, labels);
  }

  @Test
  void argmaxIouOnA4x4Scene() {
    // two objects in opposite corners of a 4x4 map, and maps that find them roughly
    int[] truth = {
      1, 1, 0, 0,
      1, 1, 0, 0,
      0, 0, 0, 2,
      0, 0, 2, 2};
    float[] m0 = MaskScores.minMax(new float[] {
      9, 8, 1, 0,
      7, 2, 0, 0,
      0, 0, 0, 0,
      0, 0, 0, 0});
    float[] m1 = MaskScores.minMax(new float[] {
      0, 0, 0, 0,
      0, 0, 0, 3,
      0, 0, 0, 4,
      0, 0, 4, 4});
    int[] arg = MaskScores.argmaxLabels(List.of(m0, m1));
    // object 0 predicted at {0, 1, 4} (pixel 5 is 2/9 < 0.5): IoU 3/4
    assertEquals(0.75, MaskScores.iou(MaskScores.mask(arg, 1), MaskScores.mask(truth, 1)), 1e-12);
    // object 1 predicted at {7, 11, 14, 15} (3/4 >= 0.5): intersection 3, union 4
    assertEquals(0.75, MaskScores.iou(MaskScores.mask(arg, 2), MaskScores.mask(truth, 2)), 1e-12);
    assertEquals(0.75, MaskScores.iou(MaskScores.threshold(m0, 0.5), MaskScores.mask(truth, 1)), 1e-12);
  }

  @Test
  void downsampleTakesTheMajorityLabelTiesToTheHigherLabel() {
    int[] labels = {
      0, 0, 1, 1,
      0, 1, 1, 2,
      2, 2, 0, 0,
      2, 0, 0, 1};
    // blocks: {0,0,0,1} -> 0; {1,1,1,2} -> 1; {2,2,2,0} -> 2; {0,0,0,1} -> 0
    assertArrayEquals(new int[] {0, 1, 2, 0}, MaskScores.downsampleLabels(labels, 4, 2));
    // a tie: two of each -> the higher label
    assertArrayEquals(new int[] {1}, MaskScores.downsampleLabels(new int[] {0, 1, 1, 0}, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> MaskScores.downsampleLabels(new int[9], 3, 2));
  }

  @Test
  void upsampleNearestRepeatsEachValue() {
    float[] up = MaskScores.upsampleNearest(new float[] {1, 2, 3, 4}, 2, 2);
    assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, up);
  }

  @Test
  void meanInsideAMask() {
    assertEquals(2.0, MaskScores.meanInside(new float[] {1, 5, 3}, new boolean[] {true, false, true}), 1e-12);
    assertTrue(Double.isNaN(MaskScores.meanInside(new float[] {1}, new boolean[] {false})));
  }
}
