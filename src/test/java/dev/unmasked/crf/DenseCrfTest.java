package dev.unmasked.crf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Behaviour that the golden files do not pin down: threads, label counts, sizes, bad input. */
class DenseCrfTest {

  /** A noisy two-region image with noisy 4-label probabilities; seeded. */
  static float[] randomProbs(int labels, int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] p = new float[labels * n];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) rnd.nextDouble();
    }
    return p;
  }

  static byte[] randomImage(int w, int h, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int base = x < w / 2 ? 40 + 60 * c : 220 - 50 * c;
          rgb[(y * w + x) * 3 + c] = (byte) (base + rnd.nextInt(-25, 26));
        }
      }
    }
    return rgb;
  }

  @Test
  void outputIsBitIdenticalForAnyThreadCount() {
    // 300x230 = 69,000 pixels: several lattice chunks (16,384) and pixel chunks (4,096).
    int w = 300;
    int h = 230;
    int labels = 4;
    byte[] rgb = randomImage(w, h, 1);
    float[] u = DenseCrf.unaryFromProbabilities(randomProbs(labels, w * h, 2), labels, w * h);
    DenseCrf.Result one = DenseCrf.infer(rgb, w, h, u, labels, DenseCrf.Params.DEFAULTS, 1);
    for (int threads : new int[] {2, 3, 8}) {
      DenseCrf.Result r = DenseCrf.infer(rgb, w, h, u, labels, DenseCrf.Params.DEFAULTS, threads);
      assertArrayEquals(one.q(), r.q(), "Q with " + threads + " threads");
      assertArrayEquals(one.labelMap(), r.labelMap(), "MAP with " + threads + " threads");
    }
  }

  @Test
  void smoothsAnyNumberOfLabelsAndKeepsQNormalised() {
    int w = 37;
    int h = 23; // odd sizes, N not a multiple of 4
    for (int labels : new int[] {1, 2, 3, 5, 9}) {
      byte[] rgb = randomImage(w, h, labels);
      float[] u = DenseCrf.unaryFromProbabilities(randomProbs(labels, w * h, 7), labels, w * h);
      DenseCrf.Result r = DenseCrf.infer(rgb, w, h, u, labels, DenseCrf.Params.DEFAULTS, 2);
      int changed = 0;
      int[] before = DenseCrf.labelMap(softmaxOfMinus(u, labels, w * h), labels, w * h);
      for (int i = 0; i < w * h; i++) {
        double sum = 0;
        for (int l = 0; l < labels; l++) {
          float q = r.q(l, i);
          assertTrue(q >= 0 && q <= 1, "Q out of [0,1]: " + q);
          sum += q;
        }
        assertEquals(1.0, sum, 1e-5, labels + " labels, pixel " + i);
        changed += before[i] != r.labelMap()[i] ? 1 : 0;
      }
      // Random unaries on two flat colour regions: the CRF must relabel much of the noise.
      if (labels > 1) {
        assertTrue(changed > w * h / 10, labels + " labels: only " + changed + " pixels changed");
      }
    }
  }

  static float[] softmaxOfMinus(float[] u, int labels, int n) {
    float[] q = new float[u.length];
    for (int i = 0; i < n; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < labels; l++) {
        max = Math.max(max, -u[l * n + i]);
      }
      double sum = 0;
      for (int l = 0; l < labels; l++) {
        sum += Math.exp(-u[l * n + i] - max);
      }
      for (int l = 0; l < labels; l++) {
        q[l * n + i] = (float) (Math.exp(-u[l * n + i] - max) / sum);
      }
    }
    return q;
  }

  @Test
  void onePixelFollowsTheClosedForm() {
    // One pixel: K̃Q = Q, so Q ← softmax(-U + (w_g + w_b)·Q) (DENSECRF.md §7).
    float[] p = {0.2f, 0.5f, 0.3f};
    float[] u = DenseCrf.unaryFromProbabilities(p, 3, 1);
    DenseCrf.Result r =
        DenseCrf.infer(new byte[] {10, (byte) 200, 30}, 1, 1, u, 3, DenseCrf.Params.DEFAULTS, 1);
    double[] q = {p[0], p[1], p[2]};
    for (int it = 0; it < 5; it++) {
      double[] t = new double[3];
      double sum = 0;
      for (int l = 0; l < 3; l++) {
        t[l] = Math.exp(-u[l] + 13 * q[l]);
        sum += t[l];
      }
      for (int l = 0; l < 3; l++) {
        q[l] = t[l] / sum;
      }
    }
    for (int l = 0; l < 3; l++) {
      assertEquals(q[l], r.q(l, 0), 2e-6, "label " + l);
    }
  }

  @Test
  void tiesGoToTheLowestLabel() {
    assertArrayEquals(new int[] {0, 1, 0}, DenseCrf.labelMap(
        new float[] {0.5f, 0.2f, 0.4f, 0.5f, 0.6f, 0.4f}, 2, 3));
  }

  @Test
  void argbAndRgbInputsAgree() {
    int w = 9;
    int h = 7;
    byte[] rgb = randomImage(w, h, 3);
    int[] argb = new int[w * h];
    for (int i = 0; i < argb.length; i++) {
      argb[i] = 0xFF000000 | (rgb[i * 3] & 0xff) << 16 | (rgb[i * 3 + 1] & 0xff) << 8
          | (rgb[i * 3 + 2] & 0xff);
    }
    float[] u = DenseCrf.unaryFromProbabilities(randomProbs(2, w * h, 4), 2, w * h);
    DenseCrf a = DenseCrf.prepare(rgb, w, h, DenseCrf.Params.DEFAULTS, 1);
    DenseCrf b = DenseCrf.prepare(argb, w, h, DenseCrf.Params.DEFAULTS, 1);
    assertArrayEquals(a.infer(u, 2, 1).q(), b.infer(u, 2, 1).q());
  }

  @Test
  void badInputIsRefusedWithAClearMessage() {
    byte[] rgb = new byte[4 * 3 * 3];
    DenseCrf.Params p = DenseCrf.Params.DEFAULTS;
    String m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.infer(rgb, 4, 3, new float[2 * 11], 2, p, 1)).getMessage();
    assertTrue(m.contains("unary holds 22 values") && m.contains("needs 24"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.infer(rgb, 3, 4 + 1, new float[30], 2, p, 1)).getMessage();
    assertTrue(m.contains("image holds 36 bytes"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.infer(rgb, 4, 3, new float[0], 0, p, 1)).getMessage();
    assertTrue(m.contains("at least one label"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.infer(rgb, 0, 3, new float[0], 1, p, 1)).getMessage();
    assertTrue(m.contains("at least 1x1"), m);
    float[] nanUnary = new float[24];
    nanUnary[13] = Float.NaN;
    m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.infer(rgb, 4, 3, nanUnary, 2, p, 1)).getMessage();
    assertTrue(m.contains("label 1 at pixel 1"), m);

    float[] probs = new float[6];
    probs[4] = -0.25f;
    m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.unaryFromProbabilities(probs, 2, 3)).getMessage();
    assertTrue(m.contains("label 1 at pixel 1") && m.contains("-0.25"), m);
    probs[4] = Float.NaN;
    assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.unaryFromProbabilities(probs, 2, 3));
    assertThrows(IllegalArgumentException.class, () -> new DenseCrf.Params(0, 3, 80, 13, 10, 5));
    assertThrows(IllegalArgumentException.class, () -> new DenseCrf.Params(3, 3, 80, 13, 10, -1));
    assertThrows(IllegalArgumentException.class,
        () -> new DenseCrf.Params(3, Float.NaN, 80, 13, 10, 5));
    assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.infer(rgb, 4, 3, new float[24], 2, p, 0));
  }

  @Test
  void latticeCoordinatesBeyondSixteenBitsAreRefused() {
    // x / 0.01 reaches 2e6 lattice units: the reference would wrap its 16-bit keys silently.
    int w = 20000;
    DenseCrf.Params tiny = new DenseCrf.Params(0.01f, 3, 80, 13, 10, 1);
    String m = assertThrows(IllegalArgumentException.class,
        () -> DenseCrf.prepare(new byte[w * 3], w, 1, tiny, 2)).getMessage();
    assertTrue(m.contains("16-bit range") && m.contains("larger sxy"), m);
  }

  @Test
  void probabilitiesAreClippedAsPydensecrfDoes() {
    float[] u = DenseCrf.unaryFromProbabilities(new float[] {0f, 1f, 1.5f, 0.5f}, 2, 2);
    assertEquals(11.512925f, u[0], 1e-6f);
    assertEquals(-0.0f, u[1]);
    assertEquals(-0.0f, u[2]);
    assertEquals((float) -Math.log(0.5), u[3]);
  }
}
