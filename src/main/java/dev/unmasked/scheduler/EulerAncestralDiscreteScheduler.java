package dev.unmasked.scheduler;

/**
 * Ancestral Euler sampling, mirroring diffusers 0.25.1 {@code EulerAncestralDiscreteScheduler}:
 * each step moves deterministically from {@code sigma} down to {@code sigma_down} and then adds
 * fresh noise of standard deviation {@code sigma_up}, where {@code sigma_up^2 + sigma_down^2 =
 * sigma_next^2}, so a sample keeps the marginal noise level of the next step.
 *
 * <p>Timesteps, sigmas, {@link #initNoiseSigma} and {@link #scaleModelInput} are exactly those of
 * {@link EulerDiscreteScheduler} (this class has no Karras option in 0.25.1). Every step draws
 * {@code modelOutput.length} values from the {@link NoiseSource} passed to {@link #step}; the last
 * step has {@code sigma_up = 0}, so its noise has no effect. Honours {@code timestep_spacing},
 * {@code steps_offset} and {@code prediction_type} epsilon / v_prediction.
 */
public final class EulerAncestralDiscreteScheduler extends AbstractEulerScheduler {

  public EulerAncestralDiscreteScheduler(SchedulerConfig config) {
    super(SchedulerType.EULER_ANCESTRAL, config, false);
    Discrete.requirePredictionType(config, "epsilon", "v_prediction");
  }

  /** {@code sigma_up} of step {@code i}: the standard deviation of the noise it adds. */
  public float sigmaUp(int i) {
    Discrete.checkIndex(i, numSteps());
    float from = sigma(i);
    float to = sigma(i + 1);
    return (float) Math.sqrt(to * to * (from * from - to * to) / (from * from));
  }

  /** {@code sigma_down} of step {@code i}: where the deterministic Euler move lands. */
  public float sigmaDown(int i) {
    float to = sigma(i + 1);
    float up = sigmaUp(i);
    return (float) Math.sqrt(to * to - up * up);
  }

  @Override
  StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    float sigma = sigma(i);
    float[] predOriginal = predOriginalFromSigma(modelOutput, sample, sigma);
    float sigmaUp = sigmaUp(i);
    float dt = sigmaDown(i) - sigma;
    float[] z = Discrete.noise(noise, sample.length, "Euler ancestral");
    float[] prev = new float[sample.length];
    for (int k = 0; k < sample.length; k++) {
      float derivative = (sample[k] - predOriginal[k]) / sigma;
      float moved = sample[k] + derivative * dt;
      prev[k] = moved + z[k] * sigmaUp;
    }
    return new StepResult(prev, predOriginal);
  }
}
