package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import dev.unmasked.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

class PNDMSchedulerTest {

  @Test
  void epsilonLoopIsBitExactWithDiffusers() throws Exception {
    assertEquals(0f, GoldenLoops.run("pndm_epsilon"));
  }

  @Test
  void vPredictionLoopIsBitExactWithDiffusers() throws Exception {
    assertEquals(0f, GoldenLoops.run("pndm_v_prediction"));
  }

  @Test
  void timestepsForEverySpacingMatchDiffusers() throws Exception {
    try (SafetensorsFile g = Golden.open()) {
      for (String spacing : new String[] {"leading", "trailing", "linspace"}) {
        for (int n : new int[] {4, 10, 50}) {
          JsonObject j = DDIMSchedulerTest.json("pndm_epsilon");
          j.addProperty("timestep_spacing", spacing);
          Scheduler s = Schedulers.fromConfig(j, null);
          s.setTimesteps(n);
          String key = "pndm.timesteps." + spacing + "." + n;
          Golden.assertTimesteps(g.longs(key), s.timesteps(), key);
          assertEquals(n + 1, s.numSteps());
        }
      }
    }
  }

  @Test
  void setTimestepsResetsTheHistoryAndStepsMustRunInOrder() throws Exception {
    Scheduler s = Golden.scheduler("pndm_epsilon", null);
    try (SafetensorsFile g = Golden.open()) {
      float[][] first = new float[5][];
      for (int round = 0; round < 2; round++) {
        s.setTimesteps(4);
        float[] x = g.floats("sample0");
        for (int i = 0; i < 5; i++) {
          x = s.step(g.floats("model_output." + i), i, x).prevSample();
          if (round == 0) {
            first[i] = x;
          } else {
            assertArrayEquals(first[i], x, "second loop step " + i);
          }
        }
      }
      s.setTimesteps(4);
      float[] x = g.floats("sample0");
      assertThrows(IllegalStateException.class, () -> s.step(x, 1, x));
    }
  }

  @Test
  void rungeKuttaWarmUpIsRefusedWithAFix() throws Exception {
    JsonObject j = DDIMSchedulerTest.json("pndm_epsilon");
    j.remove("skip_prk_steps");
    UserError e = assertThrows(UserError.class, () -> Schedulers.fromConfig(j, null));
    assertEquals(true, e.getMessage().contains("skip_prk_steps"), e.getMessage());
  }
}
