package dev.unmasked.basemodel;

/**
 * How much a pretraining run measures besides its training steps: the scenes behind the latent std
 * that sets {@code scaling_factor} and behind the VAE's held-out PSNR, the UNet's held-out set
 * (scenes, samples per timestep bucket) and the sample grids (prompts, denoising steps). Smaller
 * sizes only make the estimates coarser and the grids smaller; tests use them to stay fast, the
 * command always uses {@link #defaults()}.
 */
record EvalSizes(int latentStdScenes, int psnrScenes, int heldOutScenes, int heldOutPerBucket,
    int samplePrompts, int sampleSteps) {

  static EvalSizes defaults() {
    return new EvalSizes(512, 256, 128, 32, SampleGrid.PROMPTS.size(), 25);
  }
}
