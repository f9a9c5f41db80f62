package dev.unmasked.pipeline;

/**
 * What to generate. {@code initLatents} (optional) has diffusers' {@code latents=} meaning: unscaled
 * N(0,1) noise [numImages, 4, h, w] that the pipeline multiplies by the scheduler's
 * init_noise_sigma. Without it, image i's noise comes from {@code GaussianNoise(seed + i)}.
 */
public record GenerationRequest(
    String prompt,
    String negativePrompt,
    int steps,
    double guidanceScale,
    int height,
    int width,
    int numImages,
    long seed,
    float[] initLatents) {

  public GenerationRequest {
    if (negativePrompt == null) {
      negativePrompt = "";
    }
  }
}
