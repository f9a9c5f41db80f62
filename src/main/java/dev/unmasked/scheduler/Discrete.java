package dev.unmasked.scheduler;

import java.util.List;

/** Checks and timestep rules shared by the schedulers (package-private helpers). */
final class Discrete {

  private Discrete() {}

  /** Refuses config values this implementation does not support, naming the key. */
  static void requireOneOf(SchedulerConfig c, String key, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw c.error(
          key,
          "is '" + value + "', which " + c.className() + " as implemented here does not support;"
              + " use one of " + allowed);
    }
  }

  static void requirePredictionType(SchedulerConfig c, String... allowed) {
    requireOneOf(c, "prediction_type", c.predictionType(), List.of(allowed));
  }

  /** Dynamic thresholding (diffusers' option for pixel-space models) is not implemented. */
  static void refuseThresholding(SchedulerConfig c) {
    refuse(
        c,
        c.thresholding(),
        "thresholding",
        "is true (dynamic thresholding, for pixel-space models), which is not supported;"
            + " set it to false");
  }

  static void refuse(SchedulerConfig c, boolean set, String key, String why) {
    if (set) {
      throw c.error(key, why);
    }
  }

  /**
   * Checks shared by all schedulers (timestep spacing, training betas, the unsupported zero-SNR
   * rescale), so a bad config fails when the scheduler is built, then builds the beta schedule.
   */
  static BetaSchedule betas(SchedulerConfig c) {
    requireOneOf(
        c, "timestep_spacing", c.timestepSpacing(), List.of("leading", "trailing", "linspace"));
    if (c.numTrainTimesteps() < 2) {
      throw c.error("num_train_timesteps", "is " + c.numTrainTimesteps() + "; it must be >= 2");
    }
    if (c.trainedBetas() != null && c.trainedBetas().length != c.numTrainTimesteps()) {
      throw c.error(
          "trained_betas",
          "has " + c.trainedBetas().length + " values but num_train_timesteps is "
              + c.numTrainTimesteps());
    }
    refuse(
        c,
        c.rescaleBetasZeroSnr(),
        "rescale_betas_zero_snr",
        "is true, which is not supported; set it to false");
    return BetaSchedule.of(c);
  }

  static void checkSteps(SchedulerConfig c, int n) {
    if (n < 1 || n > c.numTrainTimesteps()) {
      throw new IllegalArgumentException(
          "number of inference steps " + n + " must be in 1.." + c.numTrainTimesteps()
              + " (num_train_timesteps)");
    }
  }

  /**
   * DDPM/DDIM {@code set_timesteps}: descending integer timesteps for {@code timestep_spacing}
   * leading (multiples of {@code N // n} plus {@code steps_offset}), trailing or linspace.
   */
  static long[] ddimTimesteps(SchedulerConfig c, int n) {
    int numTrain = c.numTrainTimesteps();
    switch (c.timestepSpacing()) {
      case "linspace":
        {
          double[] lin = NumpyMath.linspace(0, numTrain - 1, n);
          return reverse(rint(lin));
        }
      case "leading":
        {
          long ratio = numTrain / n;
          long[] t = new long[n];
          for (int i = 0; i < n; i++) {
            t[i] = (n - 1 - i) * ratio + c.stepsOffset();
          }
          return t;
        }
      case "trailing":
        {
          long[] t = rint(NumpyMath.arange(numTrain, 0, -((double) numTrain / n)));
          for (int i = 0; i < t.length; i++) {
            t[i] -= 1;
          }
          return t;
        }
      default:
        throw spacingError(c);
    }
  }

  /**
   * Rejects timesteps outside the training range (e.g. leading spacing with steps_offset 1 and n =
   * num_train_timesteps gives t = num_train_timesteps, where diffusers fails with an index error).
   */
  static long[] checkRange(SchedulerConfig c, long[] ts, int n) {
    for (long t : ts) {
      if (t < 0 || t >= c.numTrainTimesteps()) {
        throw new IllegalArgumentException(
            n + " inference steps with timestep_spacing " + c.timestepSpacing()
                + " and steps_offset " + c.stepsOffset() + " give timestep " + t + ", outside 0.."
                + (c.numTrainTimesteps() - 1) + "; choose another step count or spacing");
      }
    }
    return ts;
  }

  static RuntimeException spacingError(SchedulerConfig c) {
    return c.error(
        "timestep_spacing",
        "is '" + c.timestepSpacing() + "'; use one of leading, trailing or linspace");
  }

  /** numpy {@code round} (half to even) then int64. */
  static long[] rint(double[] x) {
    long[] out = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (long) Math.rint(x[i]);
    }
    return out;
  }

  static long[] reverse(long[] x) {
    long[] out = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[x.length - 1 - i];
    }
    return out;
  }

  static double[] toDouble(long[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }

  static void checkIndex(int i, int numSteps) {
    if (numSteps == 0) {
      throw new IllegalStateException("call setTimesteps before stepping");
    }
    if (i < 0 || i >= numSteps) {
      throw new IndexOutOfBoundsException("step index " + i + " is outside 0.." + (numSteps - 1));
    }
  }

  static void checkSameLength(float[] modelOutput, float[] sample) {
    if (modelOutput.length != sample.length) {
      throw new IllegalArgumentException(
          "model output has " + modelOutput.length + " elements but sample has " + sample.length);
    }
  }

  static float[] noise(NoiseSource noise, int n, String who) {
    if (noise == null) {
      throw new IllegalStateException(
          who + " needs a NoiseSource for this step; pass one to step()");
    }
    float[] out = new float[n];
    noise.fill(out);
    return out;
  }
}
