package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.SafetensorsFile;

/** Runs a golden {@code <sched>_<prediction>.steps4} loop and checks every stored tensor. */
final class GoldenLoops {

  private GoldenLoops() {}

  /**
   * @param prefix golden key prefix and config name, e.g. {@code ddim_epsilon}
   * @return the largest absolute deviation seen in any step output
   */
  static float run(String prefix) throws Exception {
    Scheduler s = Golden.scheduler(prefix, null);
    String p = prefix + ".steps4.";
    float worst = 0;
    try (SafetensorsFile g = Golden.open()) {
      s.setTimesteps(4);
      if (g.info(p + "timesteps").dtype() == dev.unmasked.io.DType.I64) {
        Golden.assertTimesteps(g.longs(p + "timesteps"), s.timesteps(), p + "timesteps");
      } else {
        Golden.assertClose(g.floats(p + "timesteps"), s.timesteps(), 0, p + "timesteps");
      }
      if (g.contains(p + "sigmas")) {
        float[] sigmas =
            s instanceof EulerDiscreteScheduler
                ? ((EulerDiscreteScheduler) s).sigmas()
                : ((DPMSolverMultistepScheduler) s).sigmas();
        assertArrayEquals(g.floats(p + "sigmas"), sigmas, p + "sigmas");
      }
      float sigma0 = (float) s.initNoiseSigma();
      float[] sample = g.floats("sample0");
      for (int k = 0; k < sample.length; k++) {
        sample[k] = sample[k] * sigma0;
      }
      assertArrayEquals(g.floats(p + "initial_sample"), sample, p + "initial_sample");
      int steps = s.numSteps();
      assertEquals(g.info(p + "timesteps").shape()[0], steps);
      for (int i = 0; i < steps; i++) {
        float[] in = s.scaleModelInput(sample, i);
        if (g.contains(p + "scaled_model_input." + i)) {
          float[] want = g.floats(p + "scaled_model_input." + i);
          Golden.assertClose(
              want, in, Golden.STEP_ATOL, Golden.STEP_RTOL, p + "scaled_model_input." + i);
          worst = Math.max(worst, Golden.maxAbsDiff(want, in));
        }
        StepResult r = s.step(g.floats("model_output." + i), i, sample);
        float[] want = g.floats(p + "prev_sample." + i);
        Golden.assertClose(
            want, r.prevSample(), Golden.STEP_ATOL, Golden.STEP_RTOL, p + "prev_sample." + i);
        worst = Math.max(worst, Golden.maxAbsDiff(want, r.prevSample()));
        String po = p + "pred_original_sample." + i;
        assertEquals(g.contains(po), r.hasPredOriginalSample(), po + " presence");
        if (g.contains(po)) {
          float[] wantX0 = g.floats(po);
          Golden.assertClose(
              wantX0, r.predOriginalSample(), Golden.STEP_ATOL, Golden.STEP_RTOL, po);
          worst = Math.max(worst, Golden.maxAbsDiff(wantX0, r.predOriginalSample()));
        }
        sample = r.prevSample();
      }
      assertTrue(!g.contains(p + "prev_sample." + steps), "golden has more steps than we ran");
    }
    return worst;
  }
}
