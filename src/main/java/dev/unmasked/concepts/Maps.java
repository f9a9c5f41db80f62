package dev.unmasked.concepts;

/** Operations on attention maps (plain float arrays, row-major squares). */
public final class Maps {
  private Maps() {}

  /**
   * {@code (m - min) / (max - min)}; a constant map becomes all zeros (it points nowhere). Min-max,
   * not max, normalisation: every cross-attention map has a floor (docs/TOYWORLD.md).
   */
  public static float[] minMax(float[] a) {
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float v : a) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    float[] out = new float[a.length];
    float range = hi - lo;
    for (int i = 0; i < a.length; i++) {
      out[i] = range > 0 ? (a[i] - lo) / range : 0f;
    }
    return out;
  }

  /** Bilinear (align_corners=false) resize of a [side, side] map to [size, size]. */
  public static float[] upsampleBilinear(float[] a, int side, int size) {
    float[] out = new float[size * size];
    double scale = (double) side / size;
    for (int y = 0; y < size; y++) {
      double sy = Math.max(0, (y + 0.5) * scale - 0.5);
      int y0 = Math.min((int) sy, side - 1);
      int y1 = Math.min(y0 + 1, side - 1);
      double fy = sy - y0;
      for (int x = 0; x < size; x++) {
        double sx = Math.max(0, (x + 0.5) * scale - 0.5);
        int x0 = Math.min((int) sx, side - 1);
        int x1 = Math.min(x0 + 1, side - 1);
        double fx = sx - x0;
        double v = (1 - fy) * ((1 - fx) * a[y0 * side + x0] + fx * a[y0 * side + x1])
            + fy * ((1 - fx) * a[y1 * side + x0] + fx * a[y1 * side + x1]);
        out[y * size + x] = (float) v;
      }
    }
    return out;
  }
}
