package dev.unmasked.crf;

/**
 * Locates one feature vector in the permutohedral lattice: the enclosing simplex (remainder-0
 * vertex and ranks) and the barycentric weights of its d+1 vertices. This is the per-pixel body
 * of the reference's {@code Permutohedral::init} (SSE path), in the same float32 operations and
 * order: scale, elevate, round half to even, rank (ties go to the later coordinate), wrap,
 * barycentric. Not thread-safe; use one instance per thread.
 */
final class LatticePoint {

  /** Per-dimension constants, computed as the reference computes them. */
  static final class Constants {
    final int d;
    final float[] scale;
    final float invDPlus1;
    final float dPlus1;

    Constants(int d) {
      this.d = d;
      // float inv_std_dev = sqrt(2.0 / 3.0) * (d+1); the factor itself is double, then stored.
      float invStdDev = (float) (Math.sqrt(2.0 / 3.0) * (d + 1));
      scale = new float[d];
      for (int i = 0; i < d; i++) {
        scale[i] = (float) (1.0 / Math.sqrt((double) (i + 2) * (i + 1)) * invStdDev);
      }
      invDPlus1 = 1.0f / (d + 1);
      dPlus1 = d + 1;
    }
  }

  private final Constants c;
  private final float[] elevated;
  private final float[] rem0;
  private final int[] rank;
  private final float[] bary;

  LatticePoint(Constants c) {
    this.c = c;
    elevated = new float[c.d + 1];
    rem0 = new float[c.d + 1];
    rank = new int[c.d + 1];
    bary = new float[c.d + 2];
  }

  /** Locates the feature {@code f[at .. at+d)}. */
  void locate(float[] f, int at) {
    int d = c.d;
    // Elevate onto the plane Σ = 0, last coordinate first.
    float sm = 0f;
    for (int j = d; j > 0; j--) {
      float cf = f[at + j - 1] * c.scale[j - 1];
      elevated[j] = Math.fma(-j, cf, sm);
      sm += cf;
    }
    elevated[0] = sm;

    // Nearest remainder-0 point: round each coordinate / (d+1), half to even as _mm_round_ps.
    int sum = 0;
    for (int i = 0; i <= d; i++) {
      float v = (float) Math.rint(c.invDPlus1 * elevated[i]);
      rem0[i] = v * c.dPlus1;
      sum += (int) v;
    }

    // Rank of each coordinate's remainder; ties go to the later coordinate.
    for (int i = 0; i <= d; i++) {
      rank[i] = 0;
    }
    for (int i = 0; i < d; i++) {
      float di = elevated[i] - rem0[i];
      for (int j = i + 1; j <= d; j++) {
        // Branch-free: the outcome is data-dependent and would mispredict often.
        int less = di < elevated[j] - rem0[j] ? 1 : 0;
        rank[i] += less;
        rank[j] += 1 - less;
      }
    }

    // Bring the point back onto the plane when the rounded coordinates do not sum to zero.
    for (int i = 0; i <= d; i++) {
      int rk = rank[i] + sum;
      // Branch-free: +(d+1) when rk < 0, -(d+1) when rk > d (data-dependent, mispredicts).
      int adjust = ((rk >> 31) & (d + 1)) - (((d - rk) >> 31) & (d + 1));
      rank[i] = rk + adjust;
      rem0[i] += adjust;
    }

    for (int i = 0; i < d + 2; i++) {
      bary[i] = 0f;
    }
    for (int i = 0; i <= d; i++) {
      float v = (elevated[i] - rem0[i]) * c.invDPlus1;
      bary[d - rank[i]] += v;
      bary[d - rank[i] + 1] -= v;
    }
    bary[0] += 1 + bary[d + 1];
  }

  /** Copies the d+1 barycentric weights (by remainder 0..d) to {@code out[at ..]}. */
  void weights(float[] out, int at) {
    System.arraycopy(bary, 0, out, at, c.d + 1);
  }

  /** Whether this point lies in the same simplex as {@code o} (hence has the same vertices). */
  boolean sameSimplex(LatticePoint o) {
    for (int k = 0; k < c.d; k++) {
      if (rem0[k] != o.rem0[k] || rank[k] != o.rank[k]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The key (first d coordinates) of the vertex with remainder r, packed as {@link
   * LatticeHashTable} keys into {@code key[0]} (lo) and {@code key[1]} (hi): rem0 +
   * canonical_r(rank), where canonical_r(rank) is r when rank ≤ d − r and r − (d+1) otherwise.
   */
  void vertexKey(int r, long[] key) {
    int d = c.d;
    long lo = 0;
    long hi = 0;
    for (int k = 0; k < d; k++) {
      // Branch-free form of rank > d - r ? r - (d+1) : r (the sign bit of d - r - rank).
      int coord = (int) rem0[k] + r - (((d - r - rank[k]) >> 31) & (d + 1));
      long part = (coord & 0xFFFFL) << (16 * (k & 3));
      if (k < 4) {
        lo |= part;
      } else {
        hi |= part;
      }
    }
    key[0] = lo;
    key[1] = hi;
  }

  /**
   * Checks that every vertex key of this point fits the 16-bit coordinates the reference (and
   * {@link LatticeHashTable}) use; vertex coordinates differ from rem0 by at most d.
   */
  void checkKeyRange() {
    for (int k = 0; k < c.d; k++) {
      if (Math.abs(rem0[k]) > Short.MAX_VALUE - c.d - 1) {
        LatticeHashTable.pack(k, (int) rem0[k] + (rem0[k] > 0 ? c.d + 1 : -c.d - 1)); // throws
      }
    }
  }
}
