package dev.unmasked.scheduler;

import java.util.List;

/**
 * DDIM sampling, mirroring diffusers 0.25.1 {@code DDIMScheduler} in float32 (as torch computes
 * it): {@code x_prev = sqrt(acp_prev) * x0 + sqrt(1 - acp_prev - std^2) * eps (+ std * noise)},
 * with {@code std = eta * sqrt(variance)}.
 *
 * <p>As in diffusers, the previous timestep is {@code t - num_train_timesteps // n}, not the next
 * entry of {@link #timesteps()}; the two differ for trailing and linspace spacing. {@code eta} is 0
 * (deterministic) unless set with {@link #setEta}; with eta > 0 each step draws {@code
 * modelOutput.length} values from the given {@link NoiseSource}. Honours {@code clip_sample},
 * {@code clip_sample_range}, {@code set_alpha_to_one}, {@code steps_offset}, {@code
 * timestep_spacing} and {@code prediction_type} epsilon / v_prediction / sample; refuses
 * thresholding.
 */
public final class DDIMScheduler implements Scheduler {

  private final SchedulerConfig config;
  private final BetaSchedule schedule;
  private final float finalAlphaCumprod;
  private double eta;
  private long[] timesteps = new long[0];
  private int numInferenceSteps;

  public DDIMScheduler(SchedulerConfig config) {
    this.config = config;
    this.schedule = Discrete.betas(config);
    Discrete.requireOneOf(
        config,
        "prediction_type",
        config.predictionType(),
        List.of("epsilon", "v_prediction", "sample"));
    Discrete.refuse(
        config,
        config.thresholding(),
        "thresholding",
        "is true (dynamic thresholding, for pixel-space models), which is not supported;"
            + " set it to false");
    this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0f : schedule.alphaCumprod(0);
  }

  /** Sets the noise weight eta (0 = deterministic DDIM, 1 = DDPM-like); kept across loops. */
  public void setEta(double eta) {
    if (!(eta >= 0)) {
      throw new IllegalArgumentException("eta must be >= 0, got " + eta);
    }
    this.eta = eta;
  }

  public double eta() {
    return eta;
  }

  /** The training schedule (betas, alphas_cumprod, add_noise). */
  public BetaSchedule schedule() {
    return schedule;
  }

  @Override
  public String name() {
    return SchedulerType.DDIM.shortName();
  }

  @Override
  public String className() {
    return SchedulerType.DDIM.className();
  }

  @Override
  public SchedulerConfig config() {
    return config;
  }

  @Override
  public void setTimesteps(int n) {
    Discrete.checkSteps(config, n);
    this.numInferenceSteps = n;
    this.timesteps = Discrete.checkRange(config, Discrete.ddimTimesteps(config, n), n);
  }

  @Override
  public double[] timesteps() {
    return Discrete.toDouble(timesteps);
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
    return 1.0;
  }

  @Override
  public float[] scaleModelInput(float[] sample, int i) {
    return sample;
  }

  @Override
  public StepResult step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    Discrete.checkIndex(i, timesteps.length);
    Discrete.checkSameLength(modelOutput, sample);
    int t = (int) timesteps[i];
    int prevT = t - config.numTrainTimesteps() / numInferenceSteps;
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
    float betaProd = 1f - alphaProd;
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(betaProd);

    int n = sample.length;
    float[] predOriginal = new float[n];
    float[] predEpsilon = new float[n];
    for (int k = 0; k < n; k++) {
      float s = sample[k];
      float m = modelOutput[k];
      switch (config.predictionType()) {
        case "epsilon":
          predOriginal[k] = (s - sqrtBeta * m) / sqrtAlpha;
          predEpsilon[k] = m;
          break;
        case "sample":
          predOriginal[k] = m;
          predEpsilon[k] = (s - sqrtAlpha * m) / sqrtBeta;
          break;
        default: // v_prediction
          predOriginal[k] = sqrtAlpha * s - sqrtBeta * m;
          predEpsilon[k] = sqrtAlpha * m + sqrtBeta * s;
      }
    }
    if (config.clipSample()) {
      float r = (float) config.clipSampleRange();
      for (int k = 0; k < n; k++) {
        predOriginal[k] = Math.min(Math.max(predOriginal[k], -r), r);
      }
    }

    float betaProdPrev = 1f - alphaProdPrev;
    float variance = (betaProdPrev / betaProd) * (1f - alphaProd / alphaProdPrev);
    float std = (float) eta * (float) Math.sqrt(variance);
    float directionCoeff = (float) Math.sqrt(1f - alphaProdPrev - std * std);
    float sqrtAlphaPrev = (float) Math.sqrt(alphaProdPrev);
    float[] prev = new float[n];
    for (int k = 0; k < n; k++) {
      prev[k] = sqrtAlphaPrev * predOriginal[k] + directionCoeff * predEpsilon[k];
    }
    if (eta > 0) {
      float[] z = Discrete.noise(noise, n, "DDIM with eta > 0");
      for (int k = 0; k < n; k++) {
        prev[k] = prev[k] + std * z[k];
      }
    }
    return new StepResult(prev, predOriginal);
  }
}
