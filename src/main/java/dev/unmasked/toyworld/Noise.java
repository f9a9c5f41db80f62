package dev.unmasked.toyworld;

/**
 * Deterministic value noise from an integer hash: the same (seed, x, y) gives the same value on every
 * machine (pure integer and IEEE double arithmetic, no platform math). Used by the background textures.
 */
final class Noise {

  private final long seed;

  Noise(long seed) {
    this.seed = seed;
  }

  /** Hash of a lattice point to [0, 1). */
  double lattice(long ix, long iy) {
    long h = seed ^ (ix * 0x9E3779B97F4A7C15L) ^ (iy * 0xC2B2AE3D27D4EB4FL);
    h = mix64(h);
    return (h >>> 11) * 0x1.0p-53;
  }

  /** Smooth value noise in [0, 1) with lattice spacing {@code cell} (canvas pixels). */
  double value(double x, double y, double cell) {
    double fx = x / cell;
    double fy = y / cell;
    long ix = (long) Math.floor(fx);
    long iy = (long) Math.floor(fy);
    double tx = smooth(fx - ix);
    double ty = smooth(fy - iy);
    double a = lattice(ix, iy);
    double b = lattice(ix + 1, iy);
    double c = lattice(ix, iy + 1);
    double d = lattice(ix + 1, iy + 1);
    double top = a + (b - a) * tx;
    double bottom = c + (d - c) * tx;
    return top + (bottom - top) * ty;
  }

  /** Two octaves of value noise, in [0, 1). */
  double fractal(double x, double y, double cell) {
    return (2 * value(x, y, cell) + value(x + 17.3, y + 5.1, cell / 2)) / 3;
  }

  private static double smooth(double t) {
    return t * t * (3 - 2 * t);
  }

  /** Stafford's mix13 finaliser (as in SplittableRandom). */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
