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
 * with α = 1/(1+2^-d)), including the fused multiply-adds the reference's {@code g++ -O3
 * -march=native} build emits (elevation, splat, slice; {@code Math.fma} here), so the outputs are
 * bit-identical to the golden data. Two choices make it parallel without
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
  /** [n * (d+1)]: weight · α, the SSE slice's per-vertex factor. */
  private final float[] weightAlpha;

  PermutohedralLattice(
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
    this.weightAlpha = new float[weight.length];
    for (int e = 0; e < weight.length; e++) {
      weightAlpha[e] = weight[e] * alpha;
    }
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
    return LatticeBuilder.build(features, n, d, par);
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
          switch (vs) {
            case 1 -> splat1(in, values, from, to);
            case 2 -> splat2(in, values, from, to);
            case 3 -> splat3(in, values, from, to);
            default -> splatN(in, vs, values, from, to);
          }
        });
  }

  // The specialised splats keep the per-label sums in registers; each sum sees the same fused
  // multiply-adds in the same (pixel) order as the generic loop and the reference.
  private void splat1(float[] in, float[] values, int from, int to) {
    for (int v = from; v < to; v++) {
      float a0 = 0f;
      for (int e = splatStart[v], end = splatStart[v + 1]; e < end; e++) {
        a0 = Math.fma(splatWeight[e], in[splatPixel[e]], a0);
      }
      values[v + 1] = a0;
    }
  }

  private void splat2(float[] in, float[] values, int from, int to) {
    for (int v = from; v < to; v++) {
      float a0 = 0f;
      float a1 = 0f;
      for (int e = splatStart[v], end = splatStart[v + 1]; e < end; e++) {
        float w = splatWeight[e];
        int p = splatPixel[e] * 2;
        a0 = Math.fma(w, in[p], a0);
        a1 = Math.fma(w, in[p + 1], a1);
      }
      values[(v + 1) * 2] = a0;
      values[(v + 1) * 2 + 1] = a1;
    }
  }

  private void splat3(float[] in, float[] values, int from, int to) {
    for (int v = from; v < to; v++) {
      float a0 = 0f;
      float a1 = 0f;
      float a2 = 0f;
      for (int e = splatStart[v], end = splatStart[v + 1]; e < end; e++) {
        float w = splatWeight[e];
        int p = splatPixel[e] * 3;
        a0 = Math.fma(w, in[p], a0);
        a1 = Math.fma(w, in[p + 1], a1);
        a2 = Math.fma(w, in[p + 2], a2);
      }
      int o = (v + 1) * 3;
      values[o] = a0;
      values[o + 1] = a1;
      values[o + 2] = a2;
    }
  }

  private void splatN(float[] in, int vs, float[] values, int from, int to) {
    for (int v = from; v < to; v++) {
      int o = (v + 1) * vs;
      for (int k = 0; k < vs; k++) {
        values[o + k] = 0f;
      }
      for (int e = splatStart[v], end = splatStart[v + 1]; e < end; e++) {
        float w = splatWeight[e];
        int p = splatPixel[e] * vs;
        for (int k = 0; k < vs; k++) {
          values[o + k] = Math.fma(w, in[p + k], values[o + k]);
        }
      }
    }
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
   * out[i*vs + k] = Σ_r weight_ir · values[vertex_ir] · α, accumulated with fused multiply-adds.
   * As in the reference, one or two value rows use the scalar order fma(w·v, α, acc) and more rows
   * the SSE order fma(w·α, v, acc).
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
    if (vs == 3) {
      float a0 = 0f;
      float a1 = 0f;
      float a2 = 0f;
      for (int r = 0; r < d1; r++) {
        float wa = weightAlpha[pb + r];
        int o = offset[pb + r] * 3;
        a0 = Math.fma(wa, values[o], a0);
        a1 = Math.fma(wa, values[o + 1], a1);
        a2 = Math.fma(wa, values[o + 2], a2);
      }
      out[at] = a0;
      out[at + 1] = a1;
      out[at + 2] = a2;
    } else if (vs > 2) {
      // SSE order of the reference: (w·α) first, fused multiply-add into the sum.
      for (int k = 0; k < vs; k++) {
        out[at + k] = 0f;
      }
      for (int r = 0; r < d1; r++) {
        float wa = weightAlpha[pb + r];
        int o = offset[pb + r] * vs;
        for (int k = 0; k < vs; k++) {
          out[at + k] = Math.fma(wa, values[o + k], out[at + k]);
        }
      }
    } else {
      // Scalar order of the reference: (w·v), then ·α fused into the sum.
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
