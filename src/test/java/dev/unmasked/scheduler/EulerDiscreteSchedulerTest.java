package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import dev.unmasked.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

class EulerDiscreteSchedulerTest {

  @Test
  void epsilonLoopIsBitExactWithDiffusers() throws Exception {
    assertEquals(0f, GoldenLoops.run("euler_epsilon"));
  }

  @Test
  void vPredictionLoopIsBitExactWithDiffusers() throws Exception {
    assertEquals(0f, GoldenLoops.run("euler_v_prediction"));
  }

  @Test
  void timestepsAndSigmasForEverySpacingMatchDiffusers() throws Exception {
    try (SafetensorsFile g = Golden.open()) {
      for (String spacing : new String[] {"leading", "trailing", "linspace"}) {
        for (int n : new int[] {4, 10, 50}) {
          JsonObject j = DDIMSchedulerTest.json("euler_epsilon");
          j.addProperty("timestep_spacing", spacing);
          EulerDiscreteScheduler s = (EulerDiscreteScheduler) Schedulers.fromConfig(j, null);
          s.setTimesteps(n);
          String tail = spacing + "." + n;
          // numpy float64 interpolation then float32, reproduced exactly
          Golden.assertClose(g.floats("euler.timesteps." + tail), s.timesteps(), 0, tail);
          assertArrayEquals(g.floats("euler.sigmas." + tail), s.sigmas(), "sigmas " + tail);
          float max = g.floats("euler.sigmas." + tail)[0];
          float expectedInit =
              spacing.equals("leading") ? (float) Math.sqrt(max * max + 1f) : max;
          assertEquals(expectedInit, (float) s.initNoiseSigma(), "init_noise_sigma " + tail);
        }
      }
    }
  }

  @Test
  void karrasSigmasMatchDiffusers() throws Exception {
    try (SafetensorsFile g = Golden.open()) {
      for (int n : new int[] {4, 10}) {
        JsonObject j = DDIMSchedulerTest.json("euler_epsilon");
        j.addProperty("use_karras_sigmas", true);
        EulerDiscreteScheduler s = (EulerDiscreteScheduler) Schedulers.fromConfig(j, null);
        s.setTimesteps(n);
        Golden.assertClose(
            g.floats("euler.sigmas.karras." + n), toDouble(s.sigmas()), 1e-7, "sigmas");
        // The fractional timesteps go through numpy's float32 SIMD log, which is not correctly
        // rounded; we use the correctly rounded log and land within 3e-7 relative.
        Golden.assertClose(g.floats("euler.timesteps.karras." + n), s.timesteps(), 2e-6, "t");
      }
    }
  }

  @Test
  void karrasHonoursConfiguredSigmaRange() {
    JsonObject j = new JsonObject();
    j.addProperty("beta_schedule", "scaled_linear");
    j.addProperty("beta_start", 0.00085);
    j.addProperty("beta_end", 0.012);
    j.addProperty("use_karras_sigmas", true);
    j.addProperty("sigma_min", 0.1);
    j.addProperty("sigma_max", 10.0);
    EulerDiscreteScheduler s = (EulerDiscreteScheduler) Schedulers.fromConfig(j, "euler");
    s.setTimesteps(6);
    float[] sig = s.sigmas();
    assertEquals(10.0f, sig[0], 1e-5);
    assertEquals(0.1f, sig[5], 1e-6);
    assertEquals(0f, sig[6]);
    double[] t = s.timesteps();
    for (int i = 1; i < t.length; i++) {
      assertEquals(true, t[i] < t[i - 1], "timesteps descend");
    }
  }

  @Test
  void stepsNeedNoNoiseAndScaleInputBySigma() throws Exception {
    Scheduler s = Golden.scheduler("euler_epsilon", null);
    s.setTimesteps(4);
    try (SafetensorsFile g = Golden.open()) {
      float[] x = g.floats("sample0");
      float[] a = s.step(g.floats("model_output.0"), 0, x).prevSample();
      float[] b = s.step(g.floats("model_output.0"), 0, x, NoiseSource.seeded(1)).prevSample();
      assertArrayEquals(a, b, "s_churn = 0: deterministic");
      float sigma = ((EulerDiscreteScheduler) s).sigmas()[2];
      float[] scaled = s.scaleModelInput(x, 2);
      assertEquals(x[5] / Math.sqrt(sigma * sigma + 1), scaled[5], 1e-6);
      assertEquals(333.0, s.timestepForModel(2));
    }
  }

  static double[] toDouble(float[] x) {
    return EulerDiscreteScheduler.widen(x);
  }
}
