package dev.unmasked.crf;

/**
 * The permutohedral lattice of Adams, Baek &amp; Davis (2010) as built and used by the 2013 densecrf
 * {@code Permutohedral} class (SSE code path): {@code filter} computes, for every pixel i,
 * {@code out_i ≈ Σ_j exp(-½‖f_i − f_j‖²) · in_j} over all pixels j, the self term included.
 *
 * <p>Shape contract: features are pixel-major {@code float[n * d]} (pixel i's coordinates at
 * {@code i*d .. i*d+d-1}, already divided by their standard deviations); values passed to {@link
 * #filter} are pixel-major {@code float[n * valueSize]}.
 *
 * <p>The arithmetic mirrors the reference step for step in float32 (scale, elevate, round half to
 * even, rank, wrap, barycentric weights, splat in pixel order, Jacobi blur along axes 0..d, slice
 * with α = 1/(1+2^-d)), so the values agree to float rounding. Two choices make it parallel without
 * changing any value: splatting is done as a gather per vertex over its pixels in increasing pixel
 * order (the same additions in the same order as the reference's scatter), and every other step
 * writes one independent element per index. See {@code design/DENSECRF.md} §4.
 */
final class PermutohedralLattice {

  private static final int PIXEL_CHUNK = 4096;
  private static final int VERTEX_CHUNK = 2048;

  private final int n;
  private final int d;
  private final int vertices;
  /** [n * (d+1)]: slot of pixel i's r-th vertex (vertex index + 1; slot 0 is the zero vertex). */
  private final int[] offset;
  /** [n * (d+1)]: barycentric weight of pixel i's r-th vertex. */
  private final float[] weight;
  /** [vertices + 1]: splat entries of vertex v are {@code splatStart[v] .. splatStart[v+1]-1}. */
  private final int[] splatStart;
  /** Pixel of each splat entry, increasing within a vertex. */
  private final int[] splatPixel;
  /** Weight of each splat entry. */
  private final float[] splatWeight;
  /** [(d+1) * vertices]: neighbour slots along each axis (0 = no such vertex). */
  private final int[] blurMinus;
  private final int[] blurPlus;
  private final float alpha;

  private PermutohedralLattice(
      int n, int d, int vertices, int[] offset, float[] weight, int[] splatStart,
      int[] splatPixel, float[] splatWeight, int[] blurMinus, int[] blurPlus) {
    this.n = n;
    this.d = d;
    this.vertices = vertices;
    this.offset = offset;
    this.weight = weight;
    this.splatStart = splatStart;
    this.splatPixel = splatPixel;
    this.splatWeight = splatWeight;
    this.blurMinus = blurMinus;
    this.blurPlus = blurPlus;
    // As the reference: float alpha = 1.0f / (1 + powf(2, -d)).
    this.alpha = 1.0f / (1 + (float) Math.pow(2, -d));
  }

  int pixels() {
    return n;
  }

  int dimension() {
    return d;
  }

  /** Number of lattice vertices (the reference's {@code M_}). */
  int vertices() {
    return vertices;
  }

  /** Builds the lattice for {@code n} pixels with {@code d}-dimensional features. */
  static PermutohedralLattice build(float[] features, int n, int d, Parallel par) {
    if (d < 1 || d > 16) {
      throw new IllegalArgumentException("feature dimension must be 1..16, got " + d);
    }
    if (features.length != (long) n * d) {
      throw new IllegalArgumentException(
          "features hold " + features.length + " values, expected n*d = " + n + "*" + d);
    }
    int d1 = d + 1;
    int[] rem0 = new int[n * d];
    byte[] rank = new byte[n * d];
    float[] weight = new float[n * d1];
    LatticePoint.Constants c = new LatticePoint.Constants(d);
    par.forRange(
        n,
        PIXEL_CHUNK,
        (from, to) -> {
          LatticePoint p = new LatticePoint(c);
          for (int i = from; i < to; i++) {
            p.locate(features, i * d);
            p.store(i, rem0, rank, weight);
          }
        });

    // Vertex insertion is sequential: it is cheap (a small, cache-resident table) and gives the
    // same numbering as the reference, which keeps debugging comparisons simple.
    LatticeHashTable table = new LatticeHashTable(d, Math.max(16, n / 4));
    int[] offset = new int[n * d1];
    int[] key = new int[d];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r <= d; r++) {
        LatticePoint.vertexKey(rem0, rank, i, d, r, key);
        offset[i * d1 + r] = table.findOrInsert(key, 0) + 1;
      }
    }
    // The reference's SSE path processes pixels in blocks of 4 and also inserts the vertices of
    // the zero-padded phantom pixels of the last block. They get no mass, but blurring can route
    // mass through them, so insert them too (design/DENSECRF.md §4, point 10).
    if (n % 4 != 0) {
      LatticePoint p = new LatticePoint(c);
      p.locate(new float[d], 0);
      int[] pr = new int[d];
      byte[] prank = new byte[d];
      p.store(0, pr, prank, new float[d1]);
      for (int r = 0; r <= d; r++) {
        LatticePoint.vertexKey(pr, prank, 0, d, r, key);
        table.findOrInsert(key, 0);
      }
    }
    int m = table.size();

    // Splat as a gather: per vertex, its (pixel, weight) entries in increasing pixel order.
    int[] splatStart = new int[m + 1];
    for (int o : offset) {
      splatStart[o]++; // o = vertex + 1, so this counts into splatStart[v + 1]
    }
    for (int v = 0; v < m; v++) {
      splatStart[v + 1] += splatStart[v];
    }
    int[] fill = java.util.Arrays.copyOf(splatStart, m);
    int[] splatPixel = new int[n * d1];
    float[] splatWeight = new float[n * d1];
    for (int e = 0; e < n * d1; e++) {
      int pos = fill[offset[e] - 1]++;
      splatPixel[pos] = e / d1;
      splatWeight[pos] = weight[e];
    }

    int[] blurMinus = new int[d1 * m];
    int[] blurPlus = new int[d1 * m];
    par.forRange(
        m,
        VERTEX_CHUNK,
        (from, to) -> {
          int[] n1 = new int[d];
          int[] n2 = new int[d];
          for (int v = from; v < to; v++) {
            for (int j = 0; j <= d; j++) {
              for (int k = 0; k < d; k++) {
                int kv = table.keyCoordinate(v, k);
                n1[k] = kv - 1;
                n2[k] = kv + 1;
              }
              if (j < d) {
                n1[j] = table.keyCoordinate(v, j) + d;
                n2[j] = table.keyCoordinate(v, j) - d;
              }
              blurMinus[j * m + v] = table.find(n1, 0) + 1;
              blurPlus[j * m + v] = table.find(n2, 0) + 1;
            }
          }
        });
    return new PermutohedralLattice(
        n, d, m, offset, weight, splatStart, splatPixel, splatWeight, blurMinus, blurPlus);
  }

  /**
   * Filters a pixel-major field {@code in[n * valueSize]} and returns {@code out[n * valueSize]}:
   * splat, blur, slice, as the reference's {@code Permutohedral::compute}.
   */
  float[] filter(float[] in, int valueSize, Parallel par) {
    float[] out = new float[n * valueSize];
    filter(in, out, valueSize, par);
    return out;
  }

  /** As {@link #filter(float[], int, Parallel)}, writing into {@code out}. */
  void filter(float[] in, float[] out, int valueSize, Parallel par) {
    float[] values = new float[(vertices + 1) * valueSize];
    float[] scratch = new float[(vertices + 1) * valueSize];
    splat(in, valueSize, values, par);
    float[] blurred = blur(values, scratch, valueSize, par);
    slice(blurred, valueSize, out, par);
  }

  /** values[(v+1)*vs + k] = Σ over v's entries, in pixel order, of weight · in[pixel*vs + k]. */
  void splat(float[] in, int vs, float[] values, Parallel par) {
    par.forRange(
        vertices,
        VERTEX_CHUNK,
        (from, to) -> {
          for (int v = from; v < to; v++) {
            int base = (v + 1) * vs;
            int end = splatStart[v + 1];
            for (int k = 0; k < vs; k++) {
              float acc = 0f;
              for (int e = splatStart[v]; e < end; e++) {
                acc = Math.fma(splatWeight[e], in[splatPixel[e] * vs + k], acc);
              }
              values[base + k] = acc;
            }
          }
        });
  }

  /**
   * Jacobi blur along axes 0..d: new[v] = old[v] + ½(old[n1] + old[n2]). Returns the buffer that
   * holds the result ({@code values} or {@code scratch}); slot 0 of both must be zero.
   */
  float[] blur(float[] values, float[] scratch, int vs, Parallel par) {
    float[] oldV = values;
    float[] newV = scratch;
    for (int j = 0; j <= d; j++) {
      final float[] src = oldV;
      final float[] dst = newV;
      final int axis = j * vertices;
      par.forRange(
          vertices,
          VERTEX_CHUNK,
          (from, to) -> {
            for (int v = from; v < to; v++) {
              int o = (v + 1) * vs;
              int a = blurMinus[axis + v] * vs;
              int b = blurPlus[axis + v] * vs;
              for (int k = 0; k < vs; k++) {
                dst[o + k] = src[o + k] + 0.5f * (src[a + k] + src[b + k]);
              }
            }
          });
      oldV = dst;
      newV = src;
    }
    return oldV;
  }

  /**
   * out[i*vs + k] = Σ_r weight_ir · values[vertex_ir] · α. As in the reference, one or two value
   * rows use the scalar order (w·v)·α and more rows the SSE order (w·α)·v.
   */
  void slice(float[] values, int vs, float[] out, Parallel par) {
    par.forRange(
        n,
        PIXEL_CHUNK,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            slicePixel(values, vs, i, out, i * vs);
          }
        });
  }

  /** The slice of one pixel i into {@code out[at .. at+vs)}; see {@link #slice}. */
  void slicePixel(float[] values, int vs, int i, float[] out, int at) {
    int d1 = d + 1;
    int pb = i * d1;
    if (vs > 2) {
      for (int k = 0; k < vs; k++) {
        out[at + k] = 0f;
      }
      for (int r = 0; r < d1; r++) {
        float wa = weight[pb + r] * alpha;
        int o = offset[pb + r] * vs;
        for (int k = 0; k < vs; k++) {
          out[at + k] = Math.fma(wa, values[o + k], out[at + k]);
        }
      }
    } else {
      for (int k = 0; k < vs; k++) {
        float acc = 0f;
        for (int r = 0; r < d1; r++) {
          acc = Math.fma(weight[pb + r] * values[offset[pb + r] * vs + k], alpha, acc);
        }
        out[at + k] = acc;
      }
    }
  }
}
