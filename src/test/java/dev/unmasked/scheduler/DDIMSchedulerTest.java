package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.io.SafetensorsFile;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class DDIMSchedulerTest {

  static JsonObject json(String configName) throws Exception {
    return JsonParser.parseString(Files.readString(Golden.config(configName))).getAsJsonObject();
  }

  @Test
  void epsilonLoopIsBitExactWithDiffusers() throws Exception {
    assertEquals(0f, GoldenLoops.run("ddim_epsilon"), "float32 math mirrors torch exactly");
  }

  @Test
  void vPredictionLoopIsBitExactWithDiffusers() throws Exception {
    assertEquals(0f, GoldenLoops.run("ddim_v_prediction"), "float32 math mirrors torch exactly");
  }

  @Test
  void timestepsForEverySpacingMatchDiffusers() throws Exception {
    try (SafetensorsFile g = Golden.open()) {
      for (String spacing : new String[] {"leading", "trailing", "linspace"}) {
        for (int n : new int[] {4, 10, 50}) {
          JsonObject j = json("ddim_epsilon");
          j.addProperty("timestep_spacing", spacing);
          Scheduler s = Schedulers.fromConfig(j, null);
          s.setTimesteps(n);
          String key = "ddim.timesteps." + spacing + "." + n;
          Golden.assertTimesteps(g.longs(key), s.timesteps(), key);
        }
      }
    }
  }

  @Test
  void etaOneMatchesTheDdpmPosteriorStep() throws Exception {
    // DDIM with eta = 1 is the DDPM ancestral step (Song et al. 2021, eq. 16): same mean, same
    // noise scale. Both step from t to t - 2 here and get the same noise stream.
    DDIMScheduler ddim = (DDIMScheduler) Golden.scheduler("ddpm", "ddim");
    DDPMScheduler ddpm = (DDPMScheduler) Golden.scheduler("ddpm", null);
    ddim.setEta(1.0);
    ddim.setTimesteps(500);
    ddpm.setTimesteps(500);
    try (SafetensorsFile g = Golden.open()) {
      float[] sample = g.floats("sample0");
      float[] eps = g.floats("model_output.0");
      for (int i : new int[] {0, 100, 250, 498}) {
        assertEquals(ddpm.timesteps()[i], ddim.timesteps()[i]);
        float[] a = ddim.step(eps, i, sample, NoiseSource.seeded(7)).prevSample();
        float[] b = ddpm.step(eps, i, sample, NoiseSource.seeded(7)).prevSample();
        Golden.assertClose(b, a, 2e-5, 2e-5, "step " + i);
      }
      // The noise really enters: a different seed moves the result.
      float[] c = ddim.step(eps, 100, sample, NoiseSource.seeded(8)).prevSample();
      float[] d = ddim.step(eps, 100, sample, NoiseSource.seeded(7)).prevSample();
      assertFalse(Golden.maxAbsDiff(c, d) < 1e-3, "noise has no effect");
    }
  }

  @Test
  void etaZeroIgnoresNoiseAndEtaAboveZeroNeedsASource() throws Exception {
    DDIMScheduler s = (DDIMScheduler) Golden.scheduler("ddim_epsilon", null);
    s.setTimesteps(4);
    try (SafetensorsFile g = Golden.open()) {
      float[] x = g.floats("sample0");
      float[] eps = g.floats("model_output.0");
      float[] a = s.step(eps, 1, x).prevSample();
      float[] b = s.step(eps, 1, x, NoiseSource.seeded(3)).prevSample();
      assertEquals(0f, Golden.maxAbsDiff(a, b));
      s.setEta(0.5);
      assertThrows(IllegalStateException.class, () -> s.step(eps, 1, x));
    }
  }

  @Test
  void tooManyLeadingStepsAreRefusedBeforeIndexingPastTheSchedule() {
    Scheduler s = Golden.scheduler("ddim_epsilon", null);
    // leading spacing + steps_offset 1 would ask for timestep 1000
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(1000));
    assertEquals(true, e.getMessage().contains("timestep 1000"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(0));
  }

  @Test
  void numpyArangeQuirkIsKeptForTrailingSpacing() throws Exception {
    // np.arange(1000, 0, -1000/61) has 62 elements, the last rounding to 0, so diffusers asks for
    // timestep -1: refused here (DDIM), clamped by np.interp and kept (Euler).
    JsonObject j = json("ddim_epsilon");
    j.addProperty("timestep_spacing", "trailing");
    Scheduler ddim = Schedulers.fromConfig(j, null);
    assertThrows(IllegalArgumentException.class, () -> ddim.setTimesteps(61));
    ddim.setTimesteps(60);
    assertEquals(60, ddim.numSteps());
    Scheduler euler = Schedulers.fromConfig(j, "euler");
    euler.setTimesteps(61);
    assertEquals(62, euler.numSteps());
    assertEquals(-1.0, euler.timestepForModel(61));
  }

  @Test
  void clipSampleClampsThePredictedOriginal() throws Exception {
    JsonObject j = json("ddim_epsilon");
    j.addProperty("clip_sample", true);
    j.addProperty("clip_sample_range", 0.5);
    Scheduler s = Schedulers.fromConfig(j, null);
    s.setTimesteps(4);
    try (SafetensorsFile g = Golden.open()) {
      float[] x0 = s.step(g.floats("model_output.0"), 0, g.floats("sample0")).predOriginalSample();
      float max = 0;
      for (float v : x0) {
        max = Math.max(max, Math.abs(v));
      }
      assertEquals(0.5f, max, "clamped to the range and reaching it");
    }
  }
}
