package dev.unmasked.scheduler;

import java.util.List;

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
public final class EulerAncestralDiscreteScheduler implements Scheduler {

  private final SchedulerConfig config;
  private final float[] trainSigmas;
  private float[] timesteps = new float[0];
  private float[] sigmas = new float[0];

  public EulerAncestralDiscreteScheduler(SchedulerConfig config) {
    this.config = config;
    BetaSchedule schedule = Discrete.betas(config);
    Discrete.requireOneOf(
        config, "prediction_type", config.predictionType(), List.of("epsilon", "v_prediction"));
    this.trainSigmas = EulerDiscreteScheduler.trainingSigmas(schedule);
  }

  @Override
  public String name() {
    return SchedulerType.EULER_ANCESTRAL.shortName();
  }

  @Override
  public String className() {
    return SchedulerType.EULER_ANCESTRAL.className();
  }

  @Override
  public SchedulerConfig config() {
    return config;
  }

  @Override
  public void setTimesteps(int n) {
    Discrete.checkSteps(config, n);
    float[][] ts = EulerDiscreteScheduler.timestepsAndSigmas(config, trainSigmas, n, false);
    this.timesteps = ts[0];
    this.sigmas = ts[1];
  }

  @Override
  public double[] timesteps() {
    return EulerDiscreteScheduler.widen(timesteps);
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
    return EulerDiscreteScheduler.initNoiseSigma(config, sigmas);
  }

  @Override
  public float[] scaleModelInput(float[] sample, int i) {
    Discrete.checkIndex(i, timesteps.length);
    return EulerDiscreteScheduler.scaleBySigma(sample, sigmas[i]);
  }

  /** {@code sigma_up} of step {@code i}: the standard deviation of the noise it adds. */
  public float sigmaUp(int i) {
    Discrete.checkIndex(i, timesteps.length);
    float from = sigmas[i];
    float to = sigmas[i + 1];
    return (float) Math.sqrt(to * to * (from * from - to * to) / (from * from));
  }

  /** {@code sigma_down} of step {@code i}: where the deterministic Euler move lands. */
  public float sigmaDown(int i) {
    float to = sigmas[i + 1];
    float up = sigmaUp(i);
    return (float) Math.sqrt(to * to - up * up);
  }

  @Override
  public StepResult step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    Discrete.checkIndex(i, timesteps.length);
    Discrete.checkSameLength(modelOutput, sample);
    float sigma = sigmas[i];
    float[] predOriginal =
        EulerDiscreteScheduler.predictOriginal(
            config.predictionType(), modelOutput, sample, sigma);
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
