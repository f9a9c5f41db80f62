package dev.unmasked.scheduler;

/**
 * The result of {@link Scheduler#step}: the less noisy sample (diffusers' {@code prev_sample}) and,
 * where the scheduler computes it (DDPM, DDIM, Euler, Euler ancestral), the predicted clean sample
 * {@code pred_original_sample}; null otherwise. Both have the input's flat shape.
 */
public record StepResult(float[] prevSample, float[] predOriginalSample) {

  public boolean hasPredOriginalSample() {
    return predOriginalSample != null;
  }
}
