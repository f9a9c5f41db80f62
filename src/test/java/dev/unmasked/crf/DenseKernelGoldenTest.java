package dev.unmasked.crf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The intermediate filter outputs of the golden debug cases, so that a filter bug shows up at the
 * step where it is: the raw lattice filter of ones (normaliser input), the normalised kernel
 * applied to ones, and the first-iteration message of each kernel applied to Q0.
 */
class DenseKernelGoldenTest {

  static Stream<String> debugCases() {
    return Stream.of("a64_l2", "a64_l3", "e96x40_l3");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("debugCases")
  void rawLatticeOfOnesMatches(String name) {
    try (GoldenCrfCase c = GoldenCrfCase.resource(name)) {
      DenseCrf crf = DenseCrf.prepare(c.image(), c.width, c.height, DenseCrf.Params.DEFAULTS, 1);
      // Values are O(1..100): compare relative to the value.
      assertClose(c.floats("lattice_ones_gauss"), crf.gaussianKernel().latticeOnes(), 1e-6, name
          + " lattice_ones_gauss");
      assertClose(c.floats("lattice_ones_bilateral"), crf.bilateralKernel().latticeOnes(), 1e-6,
          name + " lattice_ones_bilateral");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("debugCases")
  void normalisedKernelOfOnesMatches(String name) {
    try (GoldenCrfCase c = GoldenCrfCase.resource(name);
        Parallel par = new Parallel(1)) {
      DenseCrf crf = DenseCrf.prepare(c.image(), c.width, c.height, DenseCrf.Params.DEFAULTS, 1);
      float[] ones = new float[c.pixels()];
      Arrays.fill(ones, 1f);
      float[] g = crf.gaussianKernel().apply(ones, 1, par);
      float[] b = crf.bilateralKernel().apply(ones, 1, par);
      assertClose(c.floats("normk_ones_gauss"), g, 1e-6, name + " normk_ones_gauss");
      assertClose(c.floats("normk_ones_bilateral"), b, 1e-6, name + " normk_ones_bilateral");
      // Symmetric normalisation is not row-stochastic (DENSECRF.md §5): K̃·1 must not be all 1.
      assertTrue(spread(b) > 0.1, name + ": K̃_b·1 is flat; normalisation looks row-stochastic");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("debugCases")
  void firstMessagesMatch(String name) {
    try (GoldenCrfCase c = GoldenCrfCase.resource(name);
        Parallel par = new Parallel(1)) {
      DenseCrf crf = DenseCrf.prepare(c.image(), c.width, c.height, DenseCrf.Params.DEFAULTS, 1);
      int n = c.pixels();
      int m = c.labels;
      float[] q0 = toPixelMajor(c.floats("q_it0"), m, n);
      float[] g = toLabelMajor(crf.gaussianKernel().apply(q0, m, par), m, n);
      float[] b = toLabelMajor(crf.bilateralKernel().apply(q0, m, par), m, n);
      assertClose(c.floats("msg_gauss_q0"), g, 1e-6, name + " msg_gauss_q0");
      assertClose(c.floats("msg_bilateral_q0"), b, 1e-6, name + " msg_bilateral_q0");
    }
  }

  static float[] toPixelMajor(float[] labelMajor, int m, int n) {
    float[] r = new float[m * n];
    for (int l = 0; l < m; l++) {
      for (int i = 0; i < n; i++) {
        r[i * m + l] = labelMajor[l * n + i];
      }
    }
    return r;
  }

  static float[] toLabelMajor(float[] pixelMajor, int m, int n) {
    float[] r = new float[m * n];
    for (int l = 0; l < m; l++) {
      for (int i = 0; i < n; i++) {
        r[l * n + i] = pixelMajor[i * m + l];
      }
    }
    return r;
  }

  static double spread(float[] v) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (float x : v) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    return hi - lo;
  }

  /** max |want − got| / max(1, |want|) ≤ rel, reporting the worst index. */
  static void assertClose(float[] want, float[] got, double rel, String what) {
    assertEquals(want.length, got.length, what + " length");
    double worst = 0;
    int at = -1;
    for (int i = 0; i < want.length; i++) {
      double e = Math.abs(want[i] - got[i]) / Math.max(1.0, Math.abs(want[i]));
      if (!(e <= worst)) {
        worst = e;
        at = i;
      }
    }
    System.out.printf("crf filter %-40s max rel err %.3g%n", what, worst);
    if (!(worst <= rel)) {
      throw new AssertionError(
          what + ": relative error " + worst + " at index " + at + " (want " + want[at] + ", got "
              + got[at] + ")");
    }
  }
}
