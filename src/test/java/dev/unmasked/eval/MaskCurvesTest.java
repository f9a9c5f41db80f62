package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** masks.csv read back into per-E-step mIoU, the step-function curve, its spread over runs. */
class MaskCurvesTest {
  static final String HEADER = "estep,step,image,concept,area,iou_previous,iou_truth,truth";

  static List<MaskCurves.EStep> em() {
    return MaskCurves.parse(List.of(HEADER,
        "1,0,scene,<v1>,100,,0.4000,object 2 (plain red star)",
        "1,0,scene,<v2>,90,,0.2000,object 1 (striped blue ring)",
        "2,50,scene,<v1>,110,0.8,0.6000,object 2 (plain red star)",
        "2,50,scene,<v2>,95,0.7,0.8000,object 1 (striped blue ring)",
        "3,100,scene,<v1>,111,0.97,0.7000,object 2 (plain red star)",
        "3,100,scene,<v2>,96,0.96,0.9000,object 1 (striped blue ring)",
        ""));
  }

  static List<MaskCurves.EStep> fixed() {
    return MaskCurves.parse(List.of(HEADER, "1,0,scene,<v1>,100,,0.5000,object 2 (plain red star)",
        "1,0,scene,<v2>,90,,0.1000,object 1 (striped blue ring)"));
  }

  @Test
  void groupsRowsByEStepAndAveragesTheConcepts() {
    List<MaskCurves.EStep> e = em();
    assertEquals(3, e.size());
    assertEquals(50, e.get(1).step());
    assertEquals(0.3, e.get(0).meanIoU(), 1e-12);
    assertEquals(0.7, e.get(1).meanIoU(), 1e-12);
    assertEquals(0.3, MaskCurves.first(e), 1e-12);
    assertEquals(0.8, MaskCurves.last(e), 1e-12);
    assertEquals("object 1 (striped blue ring)", e.get(0).truth().get("scene <v2>"));
    assertTrue(Double.isNaN(MaskCurves.last(List.of())));
  }

  @Test
  void rowsWithoutTruthAreLeftOut() {
    List<MaskCurves.EStep> e = MaskCurves.parse(List.of(HEADER, "1,0,photo,<v1>,100,,,", "1,0,photo,<v2>,90,,,"));
    assertEquals(1, e.size());
    assertTrue(e.get(0).iou().isEmpty());
    assertTrue(Double.isNaN(e.get(0).meanIoU()));
  }

  @Test
  void theCurveHoldsEachEStepUntilTheNext() {
    long[] grid = MaskCurves.grid(List.of(em(), fixed()), 300);
    assertArrayEquals(new long[] {0, 50, 100, 300}, grid);
    assertArrayEquals(new double[] {0.3, 0.7, 0.8, 0.8}, MaskCurves.curve(em(), grid), 1e-12);
    assertArrayEquals(new double[] {0.3, 0.3, 0.3, 0.3}, MaskCurves.curve(fixed(), grid), 1e-12);
    double[] before = MaskCurves.curve(em(), new long[] {-1});
    assertTrue(Double.isNaN(before[0]));
  }

  @Test
  void theSpreadIsOverRunsAtEachStep() {
    long[] grid = {0, 50, 100};
    List<Spread> s = MaskCurves.spread(List.of(em(), fixed()), grid);
    assertEquals(0.3, s.get(0).mean(), 1e-12);
    assertEquals(0.0, s.get(0).sd(), 1e-12);
    assertEquals(0.5, s.get(1).mean(), 1e-12);
    assertEquals(Math.sqrt(0.08), s.get(1).sd(), 1e-12); // (0.7, 0.3): sample sd
    assertEquals(2, s.get(2).n());
  }

  @Test
  void spreadLeavesOutNaNAndCountsWhatIsLeft() {
    Spread s = Spread.of(1.0, Double.NaN, 3.0);
    assertEquals(2.0, s.mean(), 1e-12);
    assertEquals(Math.sqrt(2), s.sd(), 1e-12);
    assertEquals(2, s.n());
    assertEquals(1.0, s.min());
    assertEquals(3.0, s.max());
    assertEquals(0, Spread.of().n());
    assertTrue(Spread.of().toJson().get("mean").isJsonNull());
    assertEquals(0.0, Spread.of(5.0).sd());
  }
}
