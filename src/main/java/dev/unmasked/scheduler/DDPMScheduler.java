package dev.unmasked.scheduler;

import java.util.List;

/**
 * DDPM, mirroring diffusers 0.25.1 {@code DDPMScheduler} in float32. Its main use here is training:
 * {@link #addNoise} builds {@code z_t} and {@link #getVelocity} the v-prediction target. {@link
 * #step} is ancestral sampling; for {@code t > 0} it draws {@code modelOutput.length} values from
 * the {@link NoiseSource}.
 *
 * <p>Before {@link #setTimesteps} the loop covers all training timesteps, as in diffusers. Honours
 * {@code variance_type} fixed_small, fixed_small_log and fixed_large, {@code clip_sample}, {@code
 * clip_sample_range}, {@code timestep_spacing}, {@code steps_offset} and {@code prediction_type}.
 */
public final class DDPMScheduler extends AbstractScheduler {

  public DDPMScheduler(SchedulerConfig config) {
    super(SchedulerType.DDPM, config);
    Discrete.requirePredictionType(config, "epsilon", "v_prediction", "sample");
    Discrete.requireOneOf(
        config,
        "variance_type",
        String.valueOf(config.varianceType()),
        List.of("fixed_small", "fixed_small_log", "fixed_large"));
    Discrete.refuseThresholding(config);
    int n = config.numTrainTimesteps();
    double[] all = new double[n];
    for (int i = 0; i < n; i++) {
      all[i] = n - 1 - i;
    }
    useLoop(all, n);
  }

  /**
   * diffusers {@code add_noise}: {@code sqrt(acp[t]) * x0 + sqrt(1 - acp[t]) * noise}, where {@code
   * x0} and {@code noise} are [B, ...] flattened and {@code timesteps} is [B].
   */
  public float[] addNoise(float[] x0, float[] noise, long[] timesteps) {
    return schedule.addNoise(x0, noise, timesteps);
  }

  /** diffusers {@code get_velocity}: {@code sqrt(acp[t]) * noise - sqrt(1 - acp[t]) * sample}. */
  public float[] getVelocity(float[] sample, float[] noise, long[] timesteps) {
    return schedule.getVelocity(sample, noise, timesteps);
  }

  @Override
  StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    int t = timestep(i);
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = prevAlphaCumprod(t, 1.0f);
    float[] predOriginal = predOriginalFromAlpha(modelOutput, sample, alphaProd);

    int n = sample.length;
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    float currentAlpha = alphaProd / alphaProdPrev;
    float currentBeta = 1f - currentAlpha;
    float originalCoeff = ((float) Math.sqrt(alphaProdPrev) * currentBeta) / betaProd;
    float currentCoeff = (float) Math.sqrt(currentAlpha) * betaProdPrev / betaProd;
    float[] prev = new float[n];
    for (int k = 0; k < n; k++) {
      prev[k] = originalCoeff * predOriginal[k] + currentCoeff * sample[k];
    }
    if (t > 0) {
      float std = noiseStd(alphaProd, alphaProdPrev);
      float[] z = Discrete.noise(noise, n, "DDPM");
      for (int k = 0; k < n; k++) {
        prev[k] = prev[k] + std * z[k];
      }
    }
    return new StepResult(prev, predOriginal);
  }

  /** diffusers {@code _get_variance}, turned into the factor multiplying the noise. */
  private float noiseStd(float alphaProd, float alphaProdPrev) {
    float currentBeta = 1f - alphaProd / alphaProdPrev;
    float variance = (1f - alphaProdPrev) / (1f - alphaProd) * currentBeta;
    variance = Math.max(variance, 1e-20f);
    switch (config.varianceType()) {
      case "fixed_small_log":
        return (float) Math.exp(0.5f * (float) Math.log(variance));
      case "fixed_large":
        return (float) Math.sqrt(currentBeta);
      default: // fixed_small
        return (float) Math.sqrt(variance);
    }
  }
}
