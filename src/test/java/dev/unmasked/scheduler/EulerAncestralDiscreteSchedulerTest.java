package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.unmasked.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

/** No golden exists: the schedule is checked against Euler's, the noise by its statistics. */
class EulerAncestralDiscreteSchedulerTest {

  private static EulerAncestralDiscreteScheduler ancestral(int steps) {
    EulerAncestralDiscreteScheduler s =
        (EulerAncestralDiscreteScheduler) Golden.scheduler("euler_epsilon", "euler-a");
    s.setTimesteps(steps);
    return s;
  }

  @Test
  void scheduleAndInputScalingAreEulers() throws Exception {
    EulerAncestralDiscreteScheduler s = ancestral(10);
    try (SafetensorsFile g = Golden.open()) {
      assertArrayEquals(g.floats("euler.sigmas.linspace.10"), s.sigmas());
      Golden.assertClose(g.floats("euler.timesteps.linspace.10"), s.timesteps(), 0, "timesteps");
      EulerAncestralDiscreteScheduler four = ancestral(4);
      assertEquals(14.614645004272461, four.initNoiseSigma(), 1e-6);
      assertArrayEquals(
          g.floats("euler_epsilon.steps4.scaled_model_input.0"),
          four.scaleModelInput(g.floats("euler_epsilon.steps4.initial_sample"), 0));
    }
  }

  @Test
  void lastStepAddsNoNoiseAndEqualsEulers() throws Exception {
    EulerAncestralDiscreteScheduler a = ancestral(4);
    Scheduler e = Golden.scheduler("euler_epsilon", null);
    e.setTimesteps(4);
    assertEquals(0f, a.sigmaUp(3));
    try (SafetensorsFile g = Golden.open()) {
      float[] x = g.floats("sample0");
      float[] m = g.floats("model_output.3");
      assertArrayEquals(
          e.step(m, 3, x).prevSample(), a.step(m, 3, x, NoiseSource.seeded(9)).prevSample());
    }
  }

  @Test
  void perfectDenoiserKeepsTheNextNoiseLevel() {
    // x0 = 0 and sample = sigma * eps with the model returning eps exactly: the deterministic part
    // lands on sigma_down * eps, the added noise has std sigma_up, and sigma_up^2 + sigma_down^2 =
    // sigma_next^2, so the result has std sigma_next and correlation sigma_down / sigma_next with
    // eps.
    EulerAncestralDiscreteScheduler s = ancestral(10);
    int i = 4;
    float sigma = s.sigmas()[i];
    float next = s.sigmas()[i + 1];
    float down = s.sigmaDown(i);
    float up = s.sigmaUp(i);
    assertEquals(next * next, up * up + down * down, 1e-4 * next * next);
    int n = 200_000;
    float[] eps = NoiseSource.seeded(11).next(n);
    float[] sample = new float[n];
    for (int k = 0; k < n; k++) {
      sample[k] = sigma * eps[k];
    }
    float[] det = s.step(eps, i, sample, NoiseSource.zeros()).prevSample();
    for (int k = 0; k < n; k += 997) {
      assertEquals(down * eps[k], det[k], 1e-4 * Math.abs(down * eps[k]) + 1e-5, "zero noise");
    }
    float[] out = s.step(eps, i, sample, NoiseSource.seeded(12)).prevSample();
    double sxx = 0;
    double sxe = 0;
    double see = 0;
    for (int k = 0; k < n; k++) {
      sxx += out[k] * (double) out[k];
      sxe += out[k] * (double) eps[k];
      see += eps[k] * (double) eps[k];
    }
    assertEquals(next, Math.sqrt(sxx / n), 0.01 * next, "std of the result");
    assertEquals(down / next, sxe / Math.sqrt(sxx * see), 0.01, "correlation with eps");
  }

  @Test
  void noiseIsExplicitAndSeeded() throws Exception {
    EulerAncestralDiscreteScheduler s = ancestral(4);
    try (SafetensorsFile g = Golden.open()) {
      float[] x = g.floats("euler_epsilon.steps4.initial_sample");
      float[] m = g.floats("model_output.0");
      assertThrows(IllegalStateException.class, () -> s.step(m, 0, x));
      float[] a = s.step(m, 0, x, NoiseSource.seeded(5)).prevSample();
      float[] b = s.step(m, 0, x, NoiseSource.seeded(5)).prevSample();
      float[] c = s.step(m, 0, x, NoiseSource.seeded(6)).prevSample();
      assertArrayEquals(a, b);
      assertFalse(Golden.maxAbsDiff(a, c) < 1e-2);
    }
  }

  @Test
  void seededSourceIsStandardNormal() {
    float[] z = NoiseSource.seeded(42).next(400_000);
    double sum = 0;
    double sum2 = 0;
    double sum4 = 0;
    for (float v : z) {
      sum += v;
      sum2 += v * (double) v;
      sum4 += Math.pow(v, 4);
    }
    int n = z.length;
    assertEquals(0, sum / n, 0.01);
    assertEquals(1, sum2 / n, 0.01);
    assertEquals(3, sum4 / n, 0.05, "normal kurtosis");
    assertFalse(z[0] == NoiseSource.seeded(43).next(1)[0]);
  }
}
