package dev.unmasked.scheduler;

/**
 * What {@link EulerDiscreteScheduler} and {@link EulerAncestralDiscreteScheduler} share, as in
 * diffusers 0.25.1: the (fractional) timesteps and their sigmas, {@code init_noise_sigma}, the
 * input scaling {@code sample / sqrt(sigma^2 + 1)} and the x0 prediction at a sigma. Sigmas are
 * {@code sqrt((1 - acp) / acp)} interpolated at the timesteps in float64, as numpy does, then cast
 * to float32 with a final 0 appended.
 */
abstract class AbstractEulerScheduler extends AbstractScheduler {

  private final float[] trainSigmas;
  private final boolean karras;
  private float[] sigmas = new float[0];

  /** @param karras whether to use the Karras et al. sigmas ({@code use_karras_sigmas}) */
  AbstractEulerScheduler(SchedulerType type, SchedulerConfig config, boolean karras) {
    super(type, config);
    this.trainSigmas = trainingSigmas();
    this.karras = karras;
  }

  @Override
  final double[] planLoop(int n) {
    float[][] ts = timestepsAndSigmas(config, trainSigmas, n, karras);
    this.sigmas = ts[1];
    return widen(ts[0]);
  }

  /** The loop's sigmas, float32, {@code numSteps() + 1} entries ending in 0 (a copy). */
  public float[] sigmas() {
    return sigmas.clone();
  }

  /** The sigma at loop index {@code i}; {@code numSteps()} gives the final 0. */
  final float sigma(int i) {
    return sigmas[i];
  }

  /** The largest sigma, or {@code sqrt(max^2 + 1)} for leading spacing (float32). */
  @Override
  public double initNoiseSigma() {
    if (sigmas.length == 0) {
      throw new IllegalStateException("call setTimesteps before initNoiseSigma");
    }
    float max = Float.NEGATIVE_INFINITY;
    for (float s : sigmas) {
      max = Math.max(max, s);
    }
    String spacing = config.timestepSpacing();
    if (spacing.equals("linspace") || spacing.equals("trailing")) {
      return max;
    }
    return (float) Math.sqrt(max * max + 1f);
  }

  @Override
  public float[] scaleModelInput(float[] sample, int i) {
    Discrete.checkIndex(i, numSteps());
    float denom = (float) Math.sqrt(sigmas[i] * sigmas[i] + 1f);
    float[] out = new float[sample.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = sample[k] / denom;
    }
    return out;
  }

  /** The x0 prediction at noise level {@code sigma} for the configured prediction type. */
  final float[] predOriginalFromSigma(float[] modelOutput, float[] sample, float sigma) {
    int n = sample.length;
    float[] x0 = new float[n];
    switch (config.predictionType()) {
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

  /** diffusers' Euler {@code set_timesteps}: {timesteps[n], sigmas[n + 1]}, both float32. */
  private static float[][] timestepsAndSigmas(
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

  static double[] widen(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }
}
