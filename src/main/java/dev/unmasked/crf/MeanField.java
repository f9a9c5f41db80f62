package dev.unmasked.crf;

/**
 * Parallel (Jacobi) mean-field updates for one prepared image, as the reference's {@code
 * DenseCRF::inference}: {@code Q ← softmax(-U)}, then per iteration {@code T = -U − P_g(Q) − P_b(Q)}
 * with Potts {@code P_k = −w_k · K̃_k Q}, and {@code Q ← softmax(T)}. Every pixel and both kernels
 * read the previous Q; there is no damping and no convergence test.
 *
 * <p>Internally everything is pixel-major ({@code [pixels][labels]}, the reference's column-major
 * Eigen layout) so that a pixel's labels are contiguous for splat and slice; conversion to and from
 * the public label-major layout happens at the edges. Buffers are allocated once per run.
 */
final class MeanField {

  private static final int PIXEL_CHUNK = 4096;

  private final DenseKernel gaussian;
  private final DenseKernel bilateral;
  private final float wg;
  private final float wb;
  private final int n;
  private final int m;
  private final Parallel par;

  MeanField(
      DenseKernel gaussian, DenseKernel bilateral, DenseCrf.Params p, int n, int m, Parallel par) {
    this.gaussian = gaussian;
    this.bilateral = bilateral;
    this.wg = p.gaussianCompat();
    this.wb = p.bilateralCompat();
    this.n = n;
    this.m = m;
    this.par = par;
  }

  /** Runs {@code iterations} updates on label-major energies; returns label-major Q. */
  float[] run(float[] unary, int iterations) {
    float[] negU = new float[n * m]; // [n][m]
    float[] q0 = new float[n * m]; // [n][m]
    par.forRange(
        n,
        PIXEL_CHUNK,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            for (int l = 0; l < m; l++) {
              negU[i * m + l] = -unary[l * n + i];
            }
            softmax(negU, i * m, q0, i * m);
          }
        });

    float[] q = iterations > 0 ? iterate(negU, q0, iterations) : q0;

    float[] out = new float[m * n]; // [m][n]
    final float[] qf = q;
    par.forRange(
        n,
        PIXEL_CHUNK,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            for (int l = 0; l < m; l++) {
              out[l * n + i] = qf[i * m + l];
            }
          }
        });
    return out;
  }

  private float[] iterate(float[] negU, float[] q0, int iterations) {
    PermutohedralLattice lg = gaussian.lattice();
    PermutohedralLattice lb = bilateral.lattice();
    float[] scaledG = new float[n * m];
    float[] scaledB = new float[n * m];
    float[] valuesG = new float[(lg.vertices() + 1) * m];
    float[] scratchG = new float[(lg.vertices() + 1) * m];
    float[] valuesB = new float[(lb.vertices() + 1) * m];
    float[] scratchB = new float[(lb.vertices() + 1) * m];
    float[] q = q0;
    float[] next = new float[n * m];
    for (int it = 0; it < iterations; it++) {
      final float[] cur = q;
      // D^-½ Q for each kernel.
      par.forRange(
          n,
          PIXEL_CHUNK,
          (from, to) -> {
            for (int i = from; i < to; i++) {
              float sg = gaussian.norm(i);
              float sb = bilateral.norm(i);
              for (int l = 0; l < m; l++) {
                scaledG[i * m + l] = cur[i * m + l] * sg;
                scaledB[i * m + l] = cur[i * m + l] * sb;
              }
            }
          });
      lg.splat(scaledG, m, valuesG, par);
      final float[] blurG = lg.blur(valuesG, scratchG, m, par);
      lb.splat(scaledB, m, valuesB, par);
      final float[] blurB = lb.blur(valuesB, scratchB, m, par);

      // Slice both kernels, apply D^-½ and the Potts weights, and renormalise, pixel by pixel.
      final float[] dst = next;
      par.forRange(
          n,
          PIXEL_CHUNK,
          (from, to) -> {
            float[] msgG = new float[m];
            float[] msgB = new float[m];
            float[] t = new float[m];
            for (int i = from; i < to; i++) {
              lg.slicePixel(blurG, m, i, msgG, 0);
              lb.slicePixel(blurB, m, i, msgB, 0);
              float sg = gaussian.norm(i);
              float sb = bilateral.norm(i);
              for (int l = 0; l < m; l++) {
                // As the reference: tmp1 = -U; tmp1 -= (-w_g)·(K̃_g Q); tmp1 -= (-w_b)·(K̃_b Q).
                float v = negU[i * m + l];
                v -= -wg * (msgG[l] * sg);
                v -= -wb * (msgB[l] * sb);
                t[l] = v;
              }
              softmax(t, 0, dst, i * m);
            }
          });
      next = q;
      q = dst;
    }
    return q;
  }

  /**
   * out[o..o+m) = softmax(in[at..at+m)) as the reference's {@code expAndNormalize}: subtract the
   * maximum, float exp, sum in label order, divide each value by the sum.
   */
  private void softmax(float[] in, int at, float[] out, int o) {
    float max = in[at];
    for (int l = 1; l < m; l++) {
      if (in[at + l] > max) {
        max = in[at + l];
      }
    }
    float sum = 0f;
    for (int l = 0; l < m; l++) {
      float x = in[at + l] - max;
      // exp(0) is exactly 1: skipping it for the maximum saves a third of the exps at 3 labels.
      float e = x == 0f ? 1f : (float) Math.exp(x);
      out[o + l] = e;
      sum += e;
    }
    for (int l = 0; l < m; l++) {
      out[o + l] = out[o + l] / sum;
    }
  }
}
