package dev.unmasked.scheduler;

import java.util.Arrays;

/**
 * An explicit source of standard-normal noise for stochastic scheduler steps and initial latents.
 * Implementations hold their own generator state; nothing is static.
 */
@FunctionalInterface
public interface NoiseSource {

  /** Fills {@code out} with independent N(0, 1) draws. */
  void fill(float[] out);

  /** {@code n} fresh draws. */
  default float[] next(int n) {
    float[] out = new float[n];
    fill(out);
    return out;
  }

  /** The project's seeded generator, {@link GaussianNoise}. */
  static NoiseSource seeded(long seed) {
    return new GaussianNoise(seed);
  }

  /** All zeros: turns a stochastic step into its deterministic part (for tests and analysis). */
  static NoiseSource zeros() {
    return out -> Arrays.fill(out, 0f);
  }
}
