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
  /** Slot h is {@code slots[3h] = lo, slots[3h+1] = hi, slots[3h+2] = entry (-1 = empty)}. */
  private long[] slots;
  private int capacity;
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
    // Capped: an oversized guess only costs a grow() later, never correctness.
    int expected = Math.max(16, Math.min(expectedEntries, 1 << 26));
    allocateSlots(Integer.highestOneBit(expected * 2 - 1) << 1);
    entryLo = new long[expected];
    entryHi = new long[entryLo.length];
  }

  private void allocateSlots(int cap) {
    // Interleaved so that a probe touches one cache line instead of three.
    slots = new long[3 * cap];
    for (int h = 0; h < cap; h++) {
      slots[3 * h + 2] = -1;
    }
    capacity = cap;
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
      int e = (int) slots[3 * h + 2];
      if (e < 0) {
        break;
      }
      if (slots[3 * h] == lo && slots[3 * h + 1] == hi) {
        return e;
      }
      h = (h + 1) & mask;
    }
    if (2 * (size + 1) > capacity) {
      grow();
      return findOrInsert(lo, hi);
    }
    if (size == entryLo.length) {
      entryLo = Arrays.copyOf(entryLo, size * 2);
      entryHi = Arrays.copyOf(entryHi, size * 2);
    }
    entryLo[size] = lo;
    entryHi[size] = hi;
    slots[3 * h] = lo;
    slots[3 * h + 1] = hi;
    slots[3 * h + 2] = size;
    return size++;
  }

  /** The vertex index of the key, or -1 when the lattice has no such vertex. Never inserts. */
  int find(long lo, long hi) {
    int h = slotOf(lo, hi);
    while (true) {
      int e = (int) slots[3 * h + 2];
      if (e < 0) {
        return -1;
      }
      if (slots[3 * h] == lo && slots[3 * h + 1] == hi) {
        return e;
      }
      h = (h + 1) & mask;
    }
  }

  private void grow() {
    allocateSlots(capacity * 2);
    for (int e = 0; e < size; e++) {
      int h = slotOf(entryLo[e], entryHi[e]);
      while (slots[3 * h + 2] >= 0) {
        h = (h + 1) & mask;
      }
      slots[3 * h] = entryLo[e];
      slots[3 * h + 1] = entryHi[e];
      slots[3 * h + 2] = e;
    }
  }
}
