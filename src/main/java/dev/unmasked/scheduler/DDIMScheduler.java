package dev.unmasked.scheduler;

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
public final class DDIMScheduler extends AbstractScheduler {

  private double eta;

  public DDIMScheduler(SchedulerConfig config) {
    super(SchedulerType.DDIM, config);
    Discrete.requirePredictionType(config, "epsilon", "v_prediction", "sample");
    Discrete.refuseThresholding(config);
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

  @Override
  StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    int t = timestep(i);
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = prevAlphaCumprod(t, finalAlphaCumprod());
    float[] predOriginal = predOriginalFromAlpha(modelOutput, sample, alphaProd);
    float[] predEpsilon = predEpsilon(modelOutput, sample, alphaProd);

    int n = sample.length;
    float betaProd = 1f - alphaProd;
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

  /** diffusers' {@code pred_epsilon}, from the unclipped model output (as in 0.25.1). */
  private float[] predEpsilon(float[] modelOutput, float[] sample, float alphaProd) {
    if (config.predictionType().equals("epsilon")) {
      return modelOutput;
    }
    boolean fromSample = config.predictionType().equals("sample");
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
    float[] eps = new float[sample.length];
    for (int k = 0; k < eps.length; k++) {
      eps[k] =
          fromSample
              ? (sample[k] - sqrtAlpha * modelOutput[k]) / sqrtBeta
              : sqrtAlpha * modelOutput[k] + sqrtBeta * sample[k]; // v_prediction
    }
    return eps;
  }
}
