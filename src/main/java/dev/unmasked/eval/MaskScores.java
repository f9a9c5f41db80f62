package dev.unmasked.eval;

import java.util.List;

/**
 * Plain-Java scoring of attention maps against exact masks. A map is a row-major {@code float[side *
 * side]}; a mask a {@code boolean[side * side]}; a label map an {@code int[]} with 0 = background and
 * {@code j + 1} = object j, as {@link dev.unmasked.toyworld.Renderer#labels} writes it.
 */
public final class MaskScores {
  private MaskScores() {}

  /**
   * {@code (m - min) / (max - min)}; a constant map becomes all zeros (it points nowhere). Min-max,
   * not max, normalisation: every cross-attention map has a floor (docs/TOYWORLD.md).
   */
  public static float[] minMax(float[] map) {
    return dev.unmasked.concepts.Maps.minMax(map);
  }


  /** {@code map[i] >= threshold}. */
  public static boolean[] threshold(float[] map, double threshold) {
    boolean[] out = new boolean[map.length];
    for (int i = 0; i < map.length; i++) {
      out[i] = map[i] >= threshold;
    }
    return out;
  }

  /** Intersection over union; two empty masks agree perfectly (1). */
  public static double iou(boolean[] a, boolean[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("masks of " + a.length + " and " + b.length + " pixels");
    }
    int inter = 0;
    int union = 0;
    for (int i = 0; i < a.length; i++) {
      inter += a[i] && b[i] ? 1 : 0;
      union += a[i] || b[i] ? 1 : 0;
    }
    return union == 0 ? 1.0 : inter / (double) union;
  }

  /** Pixels whose label is {@code label}. */
  public static boolean[] mask(int[] labels, int label) {
    boolean[] out = new boolean[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = labels[i] == label;
    }
    return out;
  }

  /**
   * Per pixel, the argmax among the background (score {@code 1 - max_j maps[j]}) and the objects
   * (score {@code maps[j]}, min-max normalised beforehand): label 0 or {@code j + 1}. Ties go to the
   * lower label, the background first.
   */
  public static int[] argmaxLabels(List<float[]> normalisedMaps) {
    int n = normalisedMaps.get(0).length;
    int[] out = new int[n];
    for (int p = 0; p < n; p++) {
      float best = Float.NEGATIVE_INFINITY;
      int arg = 0;
      for (int j = 0; j < normalisedMaps.size(); j++) {
        float v = normalisedMaps.get(j)[p];
        if (v > best) {
          best = v;
          arg = j + 1;
        }
      }
      if (1 - best >= best) {
        arg = 0;
      }
      out[p] = arg;
    }
    return out;
  }

  /**
   * Label map of {@code side x side} pixels shrunk by {@code factor}: each output pixel takes the
   * label most frequent in its {@code factor x factor} block; ties go to the higher label (the
   * object painted last among the tied ones).
   */
  public static int[] downsampleLabels(int[] labels, int side, int factor) {
    if (labels.length != side * side || side % factor != 0) {
      throw new IllegalArgumentException("a " + side + "x" + side + " label map (" + labels.length
          + " values) cannot be shrunk by " + factor);
    }
    int out = side / factor;
    int maxLabel = 0;
    for (int l : labels) {
      maxLabel = Math.max(maxLabel, l);
    }
    int[] res = new int[out * out];
    int[] count = new int[maxLabel + 1];
    for (int oy = 0; oy < out; oy++) {
      for (int ox = 0; ox < out; ox++) {
        java.util.Arrays.fill(count, 0);
        for (int dy = 0; dy < factor; dy++) {
          for (int dx = 0; dx < factor; dx++) {
            count[labels[(oy * factor + dy) * side + ox * factor + dx]]++;
          }
        }
        int best = 0;
        for (int l = 1; l <= maxLabel; l++) {
          if (count[l] >= count[best]) {
            best = l;
          }
        }
        res[oy * out + ox] = best;
      }
    }
    return res;
  }

  /** Nearest-neighbour enlargement of a {@code side x side} map by an integer factor. */
  public static float[] upsampleNearest(float[] map, int side, int factor) {
    int out = side * factor;
    float[] res = new float[out * out];
    for (int y = 0; y < out; y++) {
      for (int x = 0; x < out; x++) {
        res[y * out + x] = map[(y / factor) * side + x / factor];
      }
    }
    return res;
  }

  /** Mean of {@code map} over the mask's pixels; NaN for an empty mask. */
  public static double meanInside(float[] map, boolean[] mask) {
    double s = 0;
    int n = 0;
    for (int i = 0; i < map.length; i++) {
      if (mask[i]) {
        s += map[i];
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }
}
