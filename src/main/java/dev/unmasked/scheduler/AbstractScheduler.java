package dev.unmasked.scheduler;

/**
 * What the six schedulers share (diffusers' {@code SchedulerMixin} plus the common parts of their
 * {@code set_timesteps} and {@code step}): the config and training schedule, the loop's timesteps
 * addressed by index, and the checks every step starts with.
 *
 * <p>A subclass supplies {@link #planLoop} (its {@code set_timesteps}) and {@link #stepAt} (its
 * {@code step}); both run after the shared argument checks. The model input and initial noise are
 * unscaled unless a subclass overrides {@link #scaleModelInput} and {@link #initNoiseSigma} (the
 * Euler schedulers do). Timesteps are held as doubles, which represent both the integer timesteps
 * and Euler's float32 ones exactly.
 */
abstract class AbstractScheduler implements Scheduler {

  final SchedulerConfig config;
  final BetaSchedule schedule;
  private final SchedulerType type;
  private double[] timesteps = new double[0];
  private int numInferenceSteps;
  private int nextStep;

  /** Runs the checks shared by all schedulers and builds the beta schedule. */
  AbstractScheduler(SchedulerType type, SchedulerConfig config) {
    this.type = type;
    this.config = config;
    this.schedule = Discrete.betas(config);
  }

  /**
   * This loop's timesteps for {@code n} inference steps ({@code n} already checked against {@code
   * num_train_timesteps}), descending; an override also resets the subclass's per-loop state. By
   * default DDPM's and DDIM's {@code set_timesteps} (see {@link Discrete#ddimTimesteps}).
   */
  double[] planLoop(int n) {
    return Discrete.toDouble(Discrete.checkRange(config, Discrete.ddimTimesteps(config, n), n));
  }

  /** One step from loop index {@code i}; the index, lengths and step order are already checked. */
  abstract StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise);

  /** Whether steps keep history (PNDM, DPM-Solver) and so must come in order 0, 1, 2... */
  boolean multistep() {
    return false;
  }

  @Override
  public String name() {
    return type.shortName();
  }

  @Override
  public String className() {
    return type.className();
  }

  @Override
  public SchedulerConfig config() {
    return config;
  }

  /** The training schedule (betas, alphas_cumprod, add_noise). */
  public BetaSchedule schedule() {
    return schedule;
  }

  @Override
  public final void setTimesteps(int n) {
    Discrete.checkSteps(config, n);
    useLoop(planLoop(n), n);
  }

  /** Starts a loop over {@code timesteps} spaced as for {@code n} inference steps. */
  final void useLoop(double[] timesteps, int n) {
    this.timesteps = timesteps;
    this.numInferenceSteps = n;
    this.nextStep = 0;
  }

  @Override
  public double[] timesteps() {
    return timesteps.clone();
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
  public final StepResult step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    Discrete.checkIndex(i, timesteps.length);
    Discrete.checkSameLength(modelOutput, sample);
    if (multistep() && i != nextStep) {
      throw new IllegalStateException(
          className() + " steps must run in order: expected step " + nextStep + ", got " + i
              + " (call setTimesteps to start a new loop)");
    }
    StepResult result = stepAt(modelOutput, i, sample, noise);
    nextStep = i + 1;
    return result;
  }

  // ---- for the alphas_cumprod schedulers (DDPM, DDIM, PNDM) ----

  /** The integer timestep at loop index {@code i}. */
  final int timestep(int i) {
    return (int) timesteps[i];
  }

  /**
   * {@code num_train_timesteps // num_inference_steps}: how far back a step goes. As in diffusers
   * this is not the gap to the next entry of {@link #timesteps()} for trailing and linspace
   * spacing.
   */
  final int stepRatio() {
    return config.numTrainTimesteps() / numInferenceSteps;
  }

  /**
   * {@code alphas_cumprod} one step back from timestep {@code t}, at {@code t - stepRatio()}, or
   * {@code beforeStart} when that is below 0 (the last step of a loop).
   */
  final float prevAlphaCumprod(int t, float beforeStart) {
    int prevT = t - stepRatio();
    return prevT >= 0 ? schedule.alphaCumprod(prevT) : beforeStart;
  }

  /** DDIM/PNDM {@code final_alpha_cumprod}: 1 with {@code set_alpha_to_one}, else acp[0]. */
  final float finalAlphaCumprod() {
    return config.setAlphaToOne() ? 1.0f : schedule.alphaCumprod(0);
  }

  /**
   * DDPM/DDIM {@code pred_original_sample} at {@code alpha_prod_t} for the configured prediction
   * type, clamped to {@code clip_sample_range} when {@code clip_sample} is set; float32.
   */
  final float[] predOriginalFromAlpha(float[] modelOutput, float[] sample, float alphaProd) {
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
    int n = sample.length;
    float[] x0 = new float[n];
    for (int k = 0; k < n; k++) {
      float s = sample[k];
      float m = modelOutput[k];
      switch (config.predictionType()) {
        case "epsilon":
          x0[k] = (s - sqrtBeta * m) / sqrtAlpha;
          break;
        case "sample":
          x0[k] = m;
          break;
        default: // v_prediction
          x0[k] = sqrtAlpha * s - sqrtBeta * m;
      }
    }
    if (config.clipSample()) {
      float r = (float) config.clipSampleRange();
      for (int k = 0; k < n; k++) {
        x0[k] = Math.min(Math.max(x0[k], -r), r);
      }
    }
    return x0;
  }

  // ---- for the sigma schedulers (Euler, Euler ancestral, DPM-Solver) ----

  /** {@code ((1 - acp) / acp) ** 0.5} in float32, indexed by training timestep. */
  final float[] trainingSigmas() {
    float[] s = new float[schedule.size()];
    for (int t = 0; t < s.length; t++) {
      float a = schedule.alphaCumprod(t);
      s[t] = (float) Math.sqrt((1f - a) / a);
    }
    return s;
  }
}
