package dev.unmasked.scheduler;

/**
 * A diffusers-style noise scheduler over flat float32 arrays. A sample, model output or noise array
 * is the latent batch [B, C, H, W] flattened in C order; every operation is element-wise, so the
 * pipeline may batch by concatenating (all batch items share the step's timestep).
 *
 * <p>The denoising loop (mirroring diffusers' StableDiffusionPipeline):
 *
 * <pre>{@code
 * scheduler.setTimesteps(steps);                        // resets per-loop state
 * latents = noise * (float) scheduler.initNoiseSigma();
 * for (int i = 0; i < scheduler.numSteps(); i++) {
 *   float[] in = scheduler.scaleModelInput(latents, i);
 *   float[] eps = unet(in, scheduler.timestepForModel(i), text);
 *   latents = scheduler.step(eps, i, latents, noise).prevSample();
 * }
 * }</pre>
 *
 * <p>Steps are addressed by loop index {@code i} into {@link #timesteps()} rather than by timestep
 * value, because PNDM repeats a timestep and the multistep solvers keep history. Multistep
 * schedulers (PNDM, DPM-Solver) require the indices in order 0, 1, 2, ... after each {@link
 * #setTimesteps}. Instances are not thread-safe.
 */
public interface Scheduler {

  /** The short name: ddpm, ddim, euler, euler-a, pndm or dpmpp-2m. */
  String name();

  /** The diffusers class this mirrors, e.g. {@code DDIMScheduler}. */
  String className();

  /** The configuration this scheduler was built from. */
  SchedulerConfig config();

  /** {@code epsilon}, {@code v_prediction} or {@code sample}: what the model predicts. */
  default String predictionType() {
    return config().predictionType();
  }

  /**
   * Prepares a loop of {@code numInferenceSteps} model evaluations and resets all per-loop state
   * (PNDM's stored outputs, DPM-Solver's history, the step counter).
   */
  void setTimesteps(int numInferenceSteps);

  /** The loop's timesteps (a copy), descending; integers except for the Euler schedulers. */
  double[] timesteps();

  /** The number of loop iterations, {@code timesteps().length} (PNDM: steps + 1). */
  int numSteps();

  /**
   * The timestep to give the UNet's time embedding at loop index {@code i}: an integer value for
   * DDPM/DDIM/PNDM/DPM-Solver and a fractional float32 value for the Euler schedulers.
   */
  double timestepForModel(int i);

  /** The standard deviation of the initial noise (1, or the largest sigma for Euler); float32. */
  double initNoiseSigma();

  /**
   * The model input at loop index {@code i}: {@code sample} itself for all but the Euler
   * schedulers, which divide by {@code sqrt(sigma^2 + 1)}. Never modifies {@code sample}.
   */
  float[] scaleModelInput(float[] sample, int i);

  /**
   * One denoising step for a deterministic configuration (DDIM with eta 0, Euler, PNDM,
   * DPM-Solver++).
   *
   * @throws IllegalStateException when this configuration needs random noise
   */
  default StepResult step(float[] modelOutput, int i, float[] sample) {
    return step(modelOutput, i, sample, null);
  }

  /**
   * One denoising step from loop index {@code i} to {@code i + 1}; never modifies its arguments.
   *
   * @param noise standard-normal noise for stochastic steps (DDPM, Euler ancestral, DDIM with eta >
   *     0); may be null for deterministic schedulers. Consumed as {@code modelOutput.length} draws
   *     per step that uses it.
   */
  StepResult step(float[] modelOutput, int i, float[] sample, NoiseSource noise);
}
