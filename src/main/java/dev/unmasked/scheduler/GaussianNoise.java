package dev.unmasked.scheduler;

import java.util.SplittableRandom;

/**
 * The project's seeded N(0, 1) generator: {@link SplittableRandom} (SplitMix64, whose output is
 * fixed by its specification) feeding the Box-Muller transform in StrictMath, both values of each
 * pair used in order, so the same seed gives the same stream on every JVM. It is not torch's
 * generator, so it does not reproduce {@code torch.randn} images.
 */
public final class GaussianNoise implements NoiseSource {

  private final SplittableRandom random;
  private float spare;
  private boolean hasSpare;

  public GaussianNoise(long seed) {
    this.random = new SplittableRandom(seed);
  }

  @Override
  public void fill(float[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = nextFloat();
    }
  }

  private float nextFloat() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
    double a = 2.0 * Math.PI * u2;
    spare = (float) (r * StrictMath.sin(a));
    hasSpare = true;
    return (float) (r * StrictMath.cos(a));
  }
}
