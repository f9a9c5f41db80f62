package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import dev.unmasked.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

class DPMSolverMultistepSchedulerTest {

  @Test
  void epsilonLoopMatchesDiffusers() throws Exception {
    GoldenLoops.run("dpmpp2m_epsilon"); // asserts atol 1e-5 + rtol 1e-5 on every step
  }

  @Test
  void vPredictionLoopMatchesDiffusers() throws Exception {
    GoldenLoops.run("dpmpp2m_v_prediction");
  }

  @Test
  void firstOrderSolverIsDdim() throws Exception {
    // DPM-Solver++ of order 1 is DDIM (Lu et al. 2022); with trailing spacing both visit the same
    // timesteps and end at alphas_cumprod[0].
    JsonObject dpm = DDIMSchedulerTest.json("dpmpp2m_epsilon");
    dpm.addProperty("solver_order", 1);
    dpm.addProperty("timestep_spacing", "trailing");
    JsonObject ddim = DDIMSchedulerTest.json("ddim_epsilon");
    ddim.addProperty("timestep_spacing", "trailing");
    Scheduler a = Schedulers.fromConfig(dpm, null);
    Scheduler b = Schedulers.fromConfig(ddim, null);
    a.setTimesteps(4);
    b.setTimesteps(4);
    assertArrayEquals(b.timesteps(), a.timesteps());
    try (SafetensorsFile g = Golden.open()) {
      float[] xa = g.floats("sample0");
      float[] xb = xa;
      for (int i = 0; i < 4; i++) {
        float[] m = g.floats("model_output." + i);
        xa = a.step(m, i, xa).prevSample();
        xb = b.step(m, i, xb).prevSample();
        Golden.assertClose(xb, xa, 1e-4, 1e-4, "step " + i);
      }
    }
  }

  @Test
  void karrasScheduleSharesEulersKarrasSigmas() throws Exception {
    // Both take sigma_min/max from timesteps 0 and 999, so the sigmas agree and DPM's integer
    // timesteps are Euler's fractional ones rounded.
    try (SafetensorsFile g = Golden.open()) {
      for (int n : new int[] {4, 10}) {
        JsonObject j = DDIMSchedulerTest.json("dpmpp2m_epsilon");
        j.addProperty("use_karras_sigmas", true);
        DPMSolverMultistepScheduler s =
            (DPMSolverMultistepScheduler) Schedulers.fromConfig(j, null);
        s.setTimesteps(n);
        float[] euler = g.floats("euler.sigmas.karras." + n);
        float[] sig = s.sigmas();
        float[] eulerTs = g.floats("euler.timesteps.karras." + n);
        for (int i = 0; i < n; i++) {
          assertEquals(euler[i], sig[i], 1e-7 * euler[i], "sigma " + i);
          assertEquals(Math.rint(eulerTs[i]), s.timesteps()[i], "timestep " + i);
        }
        assertEquals(sig[n - 1], sig[n], "0.25.1 ends on the smallest sigma");
        float[] x = g.floats("sample0");
        for (int i = 0; i < n; i++) {
          x = s.step(g.floats("model_output." + i), i, x).prevSample();
        }
        for (float v : x) {
          assertEquals(true, Float.isFinite(v));
        }
      }
    }
  }

  @Test
  void zeroFinalSigmaEndsOnThePrediction() throws Exception {
    JsonObject j = DDIMSchedulerTest.json("dpmpp2m_epsilon");
    j.addProperty("final_sigmas_type", "zero");
    j.addProperty("prediction_type", "sample");
    Scheduler s = Schedulers.fromConfig(j, null);
    s.setTimesteps(4);
    try (SafetensorsFile g = Golden.open()) {
      float[] x = g.floats("sample0");
      for (int i = 0; i < 3; i++) {
        x = s.step(g.floats("model_output." + i), i, x).prevSample();
      }
      float[] last = g.floats("model_output.3");
      assertArrayEquals(last, s.step(last, 3, x).prevSample());
    }
  }

  @Test
  void historyIsResetAndOrderEnforced() throws Exception {
    Scheduler s = Golden.scheduler("dpmpp2m_epsilon", null);
    try (SafetensorsFile g = Golden.open()) {
      float[] firstRun = null;
      for (int round = 0; round < 2; round++) {
        s.setTimesteps(4);
        float[] x = g.floats("sample0");
        for (int i = 0; i < 4; i++) {
          x = s.step(g.floats("model_output." + i), i, x).prevSample();
        }
        if (round == 0) {
          firstRun = x;
        } else {
          assertArrayEquals(firstRun, x);
        }
      }
      s.setTimesteps(4);
      float[] x = g.floats("sample0");
      assertThrows(IllegalStateException.class, () -> s.step(x, 2, x));
    }
  }

  @Test
  void unsupportedVariantsAreRefusedByKey() throws Exception {
    for (String[] kv :
        new String[][] {
          {"algorithm_type", "sde-dpmsolver++"}, {"solver_order", "3"}, {"use_lu_lambdas", "true"}
        }) {
      JsonObject j = DDIMSchedulerTest.json("dpmpp2m_epsilon");
      j.add(kv[0], com.google.gson.JsonParser.parseString(
          kv[1].matches("[0-9]+|true") ? kv[1] : "\"" + kv[1] + "\""));
      UserError e = assertThrows(UserError.class, () -> Schedulers.fromConfig(j, null));
      assertEquals(true, e.getMessage().contains(kv[0]), e.getMessage());
    }
  }
}
