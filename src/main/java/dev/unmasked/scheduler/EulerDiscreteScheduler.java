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
public final class EulerDiscreteScheduler extends AbstractEulerScheduler {

  public EulerDiscreteScheduler(SchedulerConfig config) {
    super(SchedulerType.EULER, config, config.useKarrasSigmas());
    Discrete.requirePredictionType(
        config, "epsilon", "v_prediction", "sample", "original_sample");
    Discrete.requireOneOf(
        config, "interpolation_type", config.interpolationType(), List.of("linear"));
    Discrete.refuse(
        config,
        "continuous".equals(config.timestepType())
            && "v_prediction".equals(config.predictionType()),
        "timestep_type",
        "is continuous with v_prediction, which is not supported; use discrete");
  }

  @Override
  StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    float sigma = sigma(i);
    float sigmaHat = sigma; // sigma * (gamma + 1) with gamma = 0 (s_churn = 0)
    float[] predOriginal = predOriginalFromSigma(modelOutput, sample, sigma);
    float dt = sigma(i + 1) - sigmaHat;
    float[] prev = new float[sample.length];
    for (int k = 0; k < sample.length; k++) {
      float derivative = (sample[k] - predOriginal[k]) / sigmaHat;
      prev[k] = sample[k] + derivative * dt;
    }
    return new StepResult(prev, predOriginal);
  }
}
