package dev.unmasked.crf;

import java.util.Arrays;

/**
 * Open-addressing hash table from lattice keys to dense vertex indices {@code 0, 1, 2, ...} in
 * first-insertion order, as the reference's {@code HashTable} (permutohedral.cpp).
 *
 * <p>A key is the first d ≤ 8 lattice coordinates, each a signed 16-bit integer exactly as the
 * reference stores them ({@code short}), packed four to a {@code long}: coordinates 0..3 in {@code
 * lo}, 4..7 in {@code hi}. Packing makes a probe one or two {@code long} comparisons instead of d
 * {@code short} ones. Coordinates outside the 16-bit range are refused (the reference would wrap
 * them silently); see {@link #pack}. The capacity is a power of two and the hash a multiplicative
 * mix; vertex numbering never affects filter values.
 *
 * <p>{@link #find} is safe to call from many threads once insertion has finished.
 */
final class LatticeHashTable {

  static final int MAX_DIMENSION = 8;

  private final int d;
  private long[] slotLo;
  private long[] slotHi;
  private int[] slotEntry; // -1 = empty
  private int mask;
  private int shift;
  private long[] entryLo;
  private long[] entryHi;
  private int size;

  LatticeHashTable(int d, int expectedEntries) {
    if (d < 1 || d > MAX_DIMENSION) {
      throw new IllegalArgumentException("key dimension must be 1.." + MAX_DIMENSION + ", got " + d);
    }
    this.d = d;
    allocateSlots(Integer.highestOneBit(Math.max(16, expectedEntries * 2 - 1)) << 1);
    entryLo = new long[Math.max(16, expectedEntries)];
    entryHi = new long[entryLo.length];
  }

  private void allocateSlots(int cap) {
    slotLo = new long[cap];
    slotHi = new long[cap];
    slotEntry = new int[cap];
    Arrays.fill(slotEntry, -1);
    mask = cap - 1;
    shift = 64 - Integer.numberOfTrailingZeros(cap);
  }

  /** Packs coordinate {@code k} (0..7) of a key into its place in lo (k < 4) or hi. */
  static long pack(int k, int coordinate) {
    if (coordinate < Short.MIN_VALUE || coordinate > Short.MAX_VALUE) {
      throw new IllegalArgumentException(
          "permutohedral lattice coordinate " + coordinate + " is outside the 16-bit range the"
              + " reference uses; the image is too large for these kernel widths (use a larger"
              + " sxy or srgb, or a smaller image)");
    }
    return (coordinate & 0xFFFFL) << (16 * (k & 3));
  }

  /** Coordinate {@code k} of a packed key. */
  static int coordinate(long lo, long hi, int k) {
    return (short) ((k < 4 ? lo : hi) >>> (16 * (k & 3)));
  }

  int size() {
    return size;
  }

  int dimension() {
    return d;
  }

  long lo(int entry) {
    return entryLo[entry];
  }

  long hi(int entry) {
    return entryHi[entry];
  }

  private int slotOf(long lo, long hi) {
    long h = (lo ^ (hi * 0xC2B2AE3D27D4EB4FL)) * 0x9E3779B97F4A7C15L;
    return (int) ((h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L >>> shift);
  }

  /** The vertex index of the key, inserting it when new. */
  int findOrInsert(long lo, long hi) {
    int h = slotOf(lo, hi);
    while (true) {
      int e = slotEntry[h];
      if (e < 0) {
        break;
      }
      if (slotLo[h] == lo && slotHi[h] == hi) {
        return e;
      }
      h = (h + 1) & mask;
    }
    if (2 * (size + 1) > slotEntry.length) {
      grow();
      return findOrInsert(lo, hi);
    }
    if (size == entryLo.length) {
      entryLo = Arrays.copyOf(entryLo, size * 2);
      entryHi = Arrays.copyOf(entryHi, size * 2);
    }
    entryLo[size] = lo;
    entryHi[size] = hi;
    slotLo[h] = lo;
    slotHi[h] = hi;
    slotEntry[h] = size;
    return size++;
  }

  /** The vertex index of the key, or -1 when the lattice has no such vertex. Never inserts. */
  int find(long lo, long hi) {
    int h = slotOf(lo, hi);
    while (true) {
      int e = slotEntry[h];
      if (e < 0) {
        return -1;
      }
      if (slotLo[h] == lo && slotHi[h] == hi) {
        return e;
      }
      h = (h + 1) & mask;
    }
  }

  private void grow() {
    allocateSlots(slotEntry.length * 2);
    for (int e = 0; e < size; e++) {
      int h = slotOf(entryLo[e], entryHi[e]);
      while (slotEntry[h] >= 0) {
        h = (h + 1) & mask;
      }
      slotLo[h] = entryLo[e];
      slotHi[h] = entryHi[e];
      slotEntry[h] = e;
    }
  }
}
