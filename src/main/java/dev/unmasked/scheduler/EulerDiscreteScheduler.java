package dev.unmasked.scheduler;

import java.util.List;

/**
 * Euler's method on the probability-flow ODE in sigma space, mirroring diffusers 0.25.1 {@code
 * EulerDiscreteScheduler} with {@code s_churn = 0} (deterministic; no noise is drawn). Sigmas are
 * {@code sqrt((1 - acp) / acp)} interpolated at the (fractional) timesteps in float64, as numpy
 * does, then cast to float32 with a final 0 appended; the step math is float32 as in torch.
 *
 * <p>The UNet sees {@code sample / sqrt(sigma^2 + 1)} ({@link #scaleModelInput}) and the float32
 * timestep {@link #timestepForModel}. Honours {@code timestep_spacing}, {@code steps_offset},
 * {@code use_karras_sigmas} (with {@code sigma_min}/{@code sigma_max}), {@code prediction_type}
 * epsilon / v_prediction / sample; refuses {@code interpolation_type} log_linear and {@code
 * timestep_type} continuous with v_prediction.
 */
public final class EulerDiscreteScheduler implements Scheduler {

  private final SchedulerConfig config;
  private final BetaSchedule schedule;
  private final float[] trainSigmas;
  private float[] timesteps = new float[0];
  private float[] sigmas = new float[0];

  public EulerDiscreteScheduler(SchedulerConfig config) {
    this.config = config;
    this.schedule = Discrete.betas(config);
    Discrete.requireOneOf(
        config,
        "prediction_type",
        config.predictionType(),
        List.of("epsilon", "v_prediction", "sample", "original_sample"));
    Discrete.requireOneOf(
        config, "interpolation_type", config.interpolationType(), List.of("linear"));
    Discrete.refuse(
        config,
        "continuous".equals(config.timestepType())
            && "v_prediction".equals(config.predictionType()),
        "timestep_type",
        "is continuous with v_prediction, which is not supported; use discrete");
    this.trainSigmas = trainingSigmas(schedule);
  }

  @Override
  public String name() {
    return SchedulerType.EULER.shortName();
  }

  @Override
  public String className() {
    return SchedulerType.EULER.className();
  }

  @Override
  public SchedulerConfig config() {
    return config;
  }

  @Override
  public void setTimesteps(int n) {
    Discrete.checkSteps(config, n);
    float[][] ts = timestepsAndSigmas(config, trainSigmas, n, config.useKarrasSigmas());
    this.timesteps = ts[0];
    this.sigmas = ts[1];
  }

  @Override
  public double[] timesteps() {
    return widen(timesteps);
  }

  /** The loop's sigmas, float32, {@code numSteps() + 1} entries ending in 0 (a copy). */
  public float[] sigmas() {
    return sigmas.clone();
  }

  @Override
  public int numSteps() {
    return timesteps.length;
  }

  @Override
  public double timestepForModel(int i) {
    Discrete.checkIndex(i, timesteps.length);
    return timesteps[i];
  }

  @Override
  public double initNoiseSigma() {
    return initNoiseSigma(config, sigmas);
  }

  @Override
  public float[] scaleModelInput(float[] sample, int i) {
    Discrete.checkIndex(i, timesteps.length);
    return scaleBySigma(sample, sigmas[i]);
  }

  @Override
  public StepResult step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    Discrete.checkIndex(i, timesteps.length);
    Discrete.checkSameLength(modelOutput, sample);
    float sigma = sigmas[i];
    float sigmaHat = sigma; // sigma * (gamma + 1) with gamma = 0 (s_churn = 0)
    float[] predOriginal = predictOriginal(config.predictionType(), modelOutput, sample, sigma);
    float dt = sigmas[i + 1] - sigmaHat;
    float[] prev = new float[sample.length];
    for (int k = 0; k < sample.length; k++) {
      float derivative = (sample[k] - predOriginal[k]) / sigmaHat;
      prev[k] = sample[k] + derivative * dt;
    }
    return new StepResult(prev, predOriginal);
  }

  // ---- shared with EulerAncestralDiscreteScheduler ----

  /** {@code ((1 - acp) / acp) ** 0.5} in float32, indexed by training timestep. */
  static float[] trainingSigmas(BetaSchedule schedule) {
    float[] s = new float[schedule.size()];
    for (int t = 0; t < s.length; t++) {
      float a = schedule.alphaCumprod(t);
      s[t] = (float) Math.sqrt((1f - a) / a);
    }
    return s;
  }

  /** diffusers' Euler {@code set_timesteps}: {timesteps[n], sigmas[n + 1]}, both float32. */
  static float[][] timestepsAndSigmas(
      SchedulerConfig c, float[] trainSigmas, int n, boolean karras) {
    int numTrain = c.numTrainTimesteps();
    float[] ts;
    switch (c.timestepSpacing()) {
      case "linspace":
        {
          double[] lin = NumpyMath.linspace(0, numTrain - 1, n);
          ts = new float[n];
          for (int i = 0; i < n; i++) {
            ts[i] = (float) lin[n - 1 - i];
          }
          break;
        }
      case "leading":
        {
          int ratio = numTrain / n;
          ts = new float[n];
          for (int i = 0; i < n; i++) {
            ts[i] = (float) ((n - 1 - i) * ratio) + (float) c.stepsOffset();
          }
          break;
        }
      case "trailing":
        {
          double[] a = NumpyMath.arange(numTrain, 0, -((double) numTrain / n));
          ts = new float[a.length];
          for (int i = 0; i < a.length; i++) {
            ts[i] = (float) Math.rint(a[i]) - 1f;
          }
          break;
        }
      default:
        throw Discrete.spacingError(c);
    }
    double[] sig = NumpyMath.interp(widen(ts), trainSigmas);
    if (karras) {
      double sigmaMin = c.sigmaMin() != null ? c.sigmaMin() : sig[sig.length - 1];
      double sigmaMax = c.sigmaMax() != null ? c.sigmaMax() : sig[0];
      sig = NumpyMath.karras(sigmaMin, sigmaMax, n);
      float[] logSigmas = NumpyMath.logF32(trainSigmas);
      ts = new float[n];
      for (int i = 0; i < n; i++) {
        ts[i] = (float) NumpyMath.sigmaToT(sig[i], logSigmas);
      }
    }
    float[] sigmas = new float[sig.length + 1];
    for (int i = 0; i < sig.length; i++) {
      sigmas[i] = (float) sig[i];
    }
    return new float[][] {ts, sigmas};
  }

  /** The largest sigma, or {@code sqrt(max^2 + 1)} for leading spacing (float32). */
  static double initNoiseSigma(SchedulerConfig c, float[] sigmas) {
    if (sigmas.length == 0) {
      throw new IllegalStateException("call setTimesteps before initNoiseSigma");
    }
    float max = Float.NEGATIVE_INFINITY;
    for (float s : sigmas) {
      max = Math.max(max, s);
    }
    String spacing = c.timestepSpacing();
    if (spacing.equals("linspace") || spacing.equals("trailing")) {
      return max;
    }
    return (float) Math.sqrt(max * max + 1f);
  }

  static float[] scaleBySigma(float[] sample, float sigma) {
    float denom = (float) Math.sqrt(sigma * sigma + 1f);
    float[] out = new float[sample.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = sample[k] / denom;
    }
    return out;
  }

  /** The x0 prediction at noise level {@code sigma} (epsilon, v_prediction or sample). */
  static float[] predictOriginal(
      String predictionType, float[] modelOutput, float[] sample, float sigma) {
    int n = sample.length;
    float[] x0 = new float[n];
    switch (predictionType) {
      case "epsilon":
        for (int k = 0; k < n; k++) {
          x0[k] = sample[k] - sigma * modelOutput[k];
        }
        break;
      case "v_prediction":
        {
          float outCoeff = -sigma / (float) Math.sqrt(sigma * sigma + 1f);
          float sampleDenom = sigma * sigma + 1f;
          for (int k = 0; k < n; k++) {
            x0[k] = modelOutput[k] * outCoeff + sample[k] / sampleDenom;
          }
          break;
        }
      default: // sample / original_sample
        System.arraycopy(modelOutput, 0, x0, 0, n);
    }
    return x0;
  }

  static double[] widen(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }
}
