package dev.unmasked.training;

/**
 * The trainers' random source: SplitMix64 (fixed by its specification) whose whole state is one
 * {@code long}, so a checkpoint stores it and a resumed run draws exactly what an uninterrupted one
 * would. Gaussians by Box-Muller in StrictMath, one value per draw (no cached spare: the state
 * stays one number).
 */
public final class TrainRng {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;

  public TrainRng(long seed) {
    this.state = seed;
  }

  /** The state to store; {@code new TrainRng(state())} continues this stream. */
  public long state() {
    return state;
  }

  public long nextLong() {
    long z = (state += GOLDEN);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    return (int) Math.floorMod(nextLong(), (long) bound);
  }

  public double nextGaussian() {
    double u1 = 1.0 - nextDouble();
    double u2 = nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
  }

  public float[] gaussians(int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) nextGaussian();
    }
    return out;
  }
}
