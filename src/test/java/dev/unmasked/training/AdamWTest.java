package dev.unmasked.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW against torch.optim.AdamW's update written out by hand in float64. */
class AdamWTest {

  /** loss = sum(c * p^2) so the gradient 2 c p changes every step (moments matter). */
  @Test
  void matchesHandComputedTorchUpdate() {
    double[] p = {0.5, -1.25, 2.0, 0.0, 3.0, -0.1};
    double[] c = {1.0, 0.3, -0.7, 2.0, 0.05, 4.0};
    double lr0 = 1e-2;
    AdamW.Config cfg = new AdamW.Config(0.9, 0.95, 1e-6, 0.1);
    try (NDManager m = NDManager.newBaseManager()) {
      float[] pf = new float[p.length];
      for (int i = 0; i < p.length; i++) {
        pf[i] = (float) p[i];
      }
      NDArray w = m.create(pf, new Shape(2, 3));
      NDArray cw = m.create(toFloat(c), new Shape(2, 3));
      double[] ref = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        ref[i] = pf[i];
      }
      double[] mm = new double[p.length];
      double[] vv = new double[p.length];
      try (AdamW opt = new AdamW(cfg, Map.of("w", w))) {
        for (int t = 1; t <= 7; t++) {
          double lr = lr0 * t / 7;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(w.mul(w).mul(cw).sum());
          }
          opt.step(lr);
          for (int i = 0; i < p.length; i++) {
            double g = 2 * c[i] * ref[i];
            ref[i] *= 1 - lr * cfg.weightDecay();
            mm[i] = cfg.beta1() * mm[i] + (1 - cfg.beta1()) * g;
            vv[i] = cfg.beta2() * vv[i] + (1 - cfg.beta2()) * g * g;
            double c1 = 1 - Math.pow(cfg.beta1(), t);
            double c2 = 1 - Math.pow(cfg.beta2(), t);
            ref[i] -= lr / c1 * mm[i] / (Math.sqrt(vv[i]) / Math.sqrt(c2) + cfg.eps());
          }
          float[] got = w.toFloatArray();
          for (int i = 0; i < p.length; i++) {
            assertEquals(ref[i], got[i], 2e-6, "step " + t + " element " + i);
          }
        }
        assertEquals(7, opt.stepCount());
        float[] g = w.getGradient().toFloatArray();
        for (float x : g) {
          assertEquals(0f, Math.abs(x), "gradients are zeroed after a step");
        }
      }
    }
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
