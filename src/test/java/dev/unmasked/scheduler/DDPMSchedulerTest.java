package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.unmasked.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

class DDPMSchedulerTest {

  @Test
  void addNoiseAndVelocityAreBitExactWithDiffusers() throws Exception {
    DDPMScheduler s = (DDPMScheduler) Golden.scheduler("ddpm", null);
    try (SafetensorsFile g = Golden.open()) {
      long[] t = g.longs("ddpm.add_noise.timesteps");
      float[] x0 = g.floats("x0");
      float[] noise = g.floats("noise");
      assertArrayEquals(g.floats("ddpm.add_noise.noisy"), s.addNoise(x0, noise, t));
      assertArrayEquals(g.floats("ddpm.get_velocity"), s.getVelocity(x0, noise, t));
    }
  }

  @Test
  void addNoiseRejectsMismatchedBatches() {
    DDPMScheduler s = (DDPMScheduler) Golden.scheduler("ddpm", null);
    assertThrows(
        IllegalArgumentException.class,
        () -> s.addNoise(new float[6], new float[6], new long[] {1, 2, 3, 4}));
    assertThrows(
        IllegalArgumentException.class,
        () -> s.addNoise(new float[4], new float[4], new long[] {1000}));
  }

  @Test
  void lastStepReturnsThePredictedOriginalWithoutNoise() throws Exception {
    // At t = 0 the posterior mean's coefficient of x_t is 0 and that of x0 is 1; no noise is drawn.
    DDPMScheduler s = (DDPMScheduler) Golden.scheduler("ddpm", null);
    assertEquals(1000, s.numSteps(), "before setTimesteps the loop covers all training steps");
    assertEquals(0.0, s.timestepForModel(999));
    try (SafetensorsFile g = Golden.open()) {
      StepResult r = s.step(g.floats("model_output.0"), 999, g.floats("sample0"));
      assertArrayEquals(r.predOriginalSample(), r.prevSample());
    }
  }

  @Test
  void noiseScaleIsThePosteriorStandardDeviation() {
    DDPMScheduler s = (DDPMScheduler) Golden.scheduler("ddpm", null);
    s.setTimesteps(10); // leading: 901, 801, ... ; step 1 goes from 801 to 701
    int n = 200_000;
    float[] x = NoiseSource.seeded(1).next(n);
    float[] eps = NoiseSource.seeded(2).next(n);
    float[] noisy = s.step(eps, 1, x, NoiseSource.seeded(3)).prevSample();
    float[] mean = s.step(eps, 1, x, NoiseSource.zeros()).prevSample();
    double sum2 = 0;
    for (int k = 0; k < n; k++) {
      double d = noisy[k] - mean[k];
      sum2 += d * d;
    }
    double acpT = s.schedule().alphaCumprod(801);
    double acpPrev = s.schedule().alphaCumprod(701);
    double betaT = 1 - acpT / acpPrev;
    double expected = Math.sqrt((1 - acpPrev) / (1 - acpT) * betaT);
    assertEquals(expected, Math.sqrt(sum2 / n), expected * 0.01);
    assertThrows(IllegalStateException.class, () -> s.step(eps, 1, x));
  }
}
