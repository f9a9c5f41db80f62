package dev.unmasked.crf;

import java.util.Arrays;

/**
 * Builds a {@link PermutohedralLattice} from pixel-major features, as the reference's {@code
 * Permutohedral::init}: locate every pixel (see {@link LatticePoint}), number the distinct vertex
 * keys in first-insertion order, and find each vertex's blur neighbours (a neighbour that was never
 * splatted into does not exist).
 *
 * <p>Parallel and deterministic: pixels are cut into fixed chunks; each chunk numbers its own keys
 * in a private table, then the chunk tables are merged in chunk order, which yields exactly the
 * sequential first-insertion numbering whatever the thread count.
 */
final class LatticeBuilder {

  /** Pixels per chunk: fixed, so chunking (and numbering) never depends on the thread count. */
  private static final int CHUNK = 16384;
  private static final int VERTEX_CHUNK = 2048;

  private LatticeBuilder() {}

  static PermutohedralLattice build(float[] features, int n, int d, Parallel par) {
    if (d < 1 || d > LatticeHashTable.MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "feature dimension must be 1.." + LatticeHashTable.MAX_DIMENSION + ", got " + d);
    }
    if (features.length != (long) n * d) {
      throw new IllegalArgumentException(
          "features hold " + features.length + " values, expected n*d = " + n + "*" + d);
    }
    int d1 = d + 1;
    LatticePoint.Constants c = new LatticePoint.Constants(d);
    int chunks = (n + CHUNK - 1) / CHUNK;
    LatticeHashTable[] local = new LatticeHashTable[chunks];
    int[] offset = new int[n * d1]; // first chunk-local vertex index, later global slot
    float[] weight = new float[n * d1];
    par.forRange(
        chunks,
        1,
        (from, to) -> {
          for (int ch = from; ch < to; ch++) {
            local[ch] = locateChunk(features, c, ch * CHUNK, Math.min(n, (ch + 1) * CHUNK),
                offset, weight);
          }
        });

    // Merge the chunk tables in chunk order: global numbering = sequential first insertion.
    int localTotal = 0;
    for (LatticeHashTable t : local) {
      localTotal += t.size();
    }
    // The chunks' vertex counts summed bound the lattice size, so the table never grows.
    LatticeHashTable table = new LatticeHashTable(d, localTotal + d + 1);
    int[][] toGlobal = new int[chunks][];
    for (int ch = 0; ch < chunks; ch++) {
      LatticeHashTable t = local[ch];
      toGlobal[ch] = new int[t.size()];
      for (int e = 0; e < t.size(); e++) {
        toGlobal[ch][e] = table.findOrInsert(t.lo(e), t.hi(e));
      }
      local[ch] = null;
    }
    // The reference's SSE path processes pixels in blocks of 4 and also inserts the vertices of
    // the zero-padded phantom pixels of the last block. They get no mass, but blurring can route
    // mass through them, so insert them too (design/DENSECRF.md §4, point 10).
    if (n % 4 != 0) {
      LatticePoint p = new LatticePoint(c);
      p.locate(new float[d], 0);
      long[] key = new long[2];
      for (int r = 0; r <= d; r++) {
        p.vertexKey(r, key);
        table.findOrInsert(key[0], key[1]);
      }
    }
    int m = table.size();

    // Splat as a gather: per vertex, its (pixel, weight) entries in increasing pixel order. Entry
    // positions come from the chunk-local counts: chunk by chunk, each local vertex takes the next
    // run of its global vertex's entries, so each chunk can fill its own entries in parallel.
    int[][] cursor = new int[chunks][];
    par.forRange(
        chunks,
        1,
        (from, to) -> {
          for (int ch = from; ch < to; ch++) {
            cursor[ch] = new int[toGlobal[ch].length];
            for (int e = ch * CHUNK * d1, end = Math.min(n, (ch + 1) * CHUNK) * d1; e < end; e++) {
              cursor[ch][offset[e]]++;
            }
          }
        });
    int[] splatStart = new int[m + 1];
    for (int ch = 0; ch < chunks; ch++) {
      for (int e = 0; e < cursor[ch].length; e++) {
        splatStart[toGlobal[ch][e] + 1] += cursor[ch][e];
      }
    }
    for (int v = 0; v < m; v++) {
      splatStart[v + 1] += splatStart[v];
    }
    int[] next = Arrays.copyOf(splatStart, m);
    for (int ch = 0; ch < chunks; ch++) {
      for (int e = 0; e < cursor[ch].length; e++) {
        int v = toGlobal[ch][e];
        int count = cursor[ch][e];
        cursor[ch][e] = next[v];
        next[v] += count;
      }
    }
    int[] splatPixel = new int[n * d1];
    float[] splatWeight = new float[n * d1];
    par.forRange(
        chunks,
        1,
        (from, to) -> {
          for (int ch = from; ch < to; ch++) {
            int[] map = toGlobal[ch];
            int[] pos = cursor[ch];
            for (int i = ch * CHUNK, end = Math.min(n, (ch + 1) * CHUNK); i < end; i++) {
              for (int r = 0, e = i * d1; r < d1; r++, e++) {
                int localVertex = offset[e];
                int at = pos[localVertex]++;
                splatPixel[at] = i;
                splatWeight[at] = weight[e];
                offset[e] = map[localVertex] + 1;
              }
            }
          }
        });

    int[] blurMinus = new int[d1 * m];
    int[] blurPlus = new int[d1 * m];
    par.forRange(
        m,
        VERTEX_CHUNK,
        (from, to) -> neighbours(table, from, to, blurMinus, blurPlus));
    return new PermutohedralLattice(
        n, d, m, offset, weight, splatStart, splatPixel, splatWeight, blurMinus, blurPlus);
  }

  /**
   * Locates pixels {@code [from, to)}, writes their weights, and their vertices' indices in a new
   * chunk-local table into {@code offset}. A pixel in the same simplex as the previous pixel (same
   * remainder-0 point and ranks, common in smooth regions) reuses its vertices without hashing.
   */
  private static LatticeHashTable locateChunk(
      float[] features, LatticePoint.Constants c, int from, int to, int[] offset,
      float[] weight) {
    int d = c.d;
    int d1 = d + 1;
    LatticeHashTable t = new LatticeHashTable(d, Math.max(16, (to - from) / 8));
    LatticePoint p = new LatticePoint(c);
    LatticePoint prev = new LatticePoint(c);
    long[] key = new long[2];
    // lastKey: the previous pixel's vertex keys by remainder. Neighbouring simplices share
    // vertices, and a shared vertex keeps its remainder, so this skips many hash lookups.
    long[] lastKey = new long[2 * d1];
    for (int i = from; i < to; i++) {
      p.locate(features, i * d);
      p.weights(weight, i * d1);
      if (i > from && p.sameSimplex(prev)) {
        System.arraycopy(offset, (i - 1) * d1, offset, i * d1, d1);
      } else {
        p.checkKeyRange();
        for (int r = 0; r <= d; r++) {
          p.vertexKey(r, key);
          boolean again = i > from && key[0] == lastKey[2 * r] && key[1] == lastKey[2 * r + 1];
          offset[i * d1 + r] = again ? offset[(i - 1) * d1 + r] : t.findOrInsert(key[0], key[1]);
          lastKey[2 * r] = key[0];
          lastKey[2 * r + 1] = key[1];
        }
      }
      LatticePoint swap = prev;
      prev = p;
      p = swap;
    }
    return t;
  }

  /**
   * Blur neighbours of vertices {@code [from, to)} along every axis j = 0..d: n1 = key − 1 on every
   * coordinate except j, which gets + d; n2 = key + 1 except j, which gets − d. Stored as slots
   * (vertex + 1), 0 when the neighbour does not exist.
   */
  private static void neighbours(
      LatticeHashTable table, int from, int to, int[] blurMinus, int[] blurPlus) {
    int d = table.dimension();
    int m = table.size();
    int[] key = new int[d];
    for (int v = from; v < to; v++) {
      long lo = table.lo(v);
      long hi = table.hi(v);
      for (int k = 0; k < d; k++) {
        key[k] = LatticeHashTable.coordinate(lo, hi, k);
      }
      for (int j = 0; j <= d; j++) {
        long lo1 = 0;
        long hi1 = 0;
        long lo2 = 0;
        long hi2 = 0;
        boolean inRange = true;
        for (int k = 0; k < d; k++) {
          int c1 = k == j ? key[k] + d : key[k] - 1;
          int c2 = k == j ? key[k] - d : key[k] + 1;
          // A neighbour outside the 16-bit key range cannot exist.
          inRange &= c1 == (short) c1 && c2 == (short) c2;
          long p1 = (c1 & 0xFFFFL) << (16 * (k & 3));
          long p2 = (c2 & 0xFFFFL) << (16 * (k & 3));
          if (k < 4) {
            lo1 |= p1;
            lo2 |= p2;
          } else {
            hi1 |= p1;
            hi2 |= p2;
          }
        }
        blurMinus[j * m + v] = inRange ? table.find(lo1, hi1) + 1 : 0;
        blurPlus[j * m + v] = inRange ? table.find(lo2, hi2) + 1 : 0;
      }
    }
  }
}
