package dev.unmasked.crf;

import java.util.Arrays;

/**
 * Open-addressing hash table from lattice keys (d integer coordinates) to dense vertex indices
 * {@code 0, 1, 2, ...} in first-insertion order, as the reference's {@code HashTable}
 * (permutohedral.cpp) does.
 *
 * <p>Differences from the reference that do not change any filter value: keys are {@code int}
 * instead of 16-bit {@code short} (so no wrap-around for huge images or tiny sigmas), the capacity
 * is a power of two and the hash is a multiplicative mix. Vertex numbering never affects values:
 * splat, blur and slice address vertices only through the indices this table hands out.
 *
 * <p>{@link #find} is safe to call from many threads once insertion has finished.
 */
final class LatticeHashTable {

  private static final long MIX = 0x9E3779B97F4A7C15L;

  private final int d;
  private int[] slots; // entry index per slot, -1 = empty
  private int mask;
  private int shift;
  private int[] keys; // [capacityEntries * d]
  private int size;

  LatticeHashTable(int d, int expectedEntries) {
    this.d = d;
    int cap = Integer.highestOneBit(Math.max(16, expectedEntries * 2 - 1)) << 1;
    allocateSlots(cap);
    keys = new int[Math.max(16, expectedEntries) * d];
  }

  private void allocateSlots(int cap) {
    slots = new int[cap];
    Arrays.fill(slots, -1);
    mask = cap - 1;
    shift = 64 - Integer.numberOfTrailingZeros(cap);
  }

  int size() {
    return size;
  }

  int dimension() {
    return d;
  }

  /** Coordinate {@code k} of the key of vertex {@code entry}. */
  int keyCoordinate(int entry, int k) {
    return keys[entry * d + k];
  }

  private int slotOf(int[] key, int keyOffset) {
    long h = 0;
    for (int i = 0; i < d; i++) {
      h = (h + key[keyOffset + i]) * MIX;
    }
    return (int) (h >>> shift);
  }

  private boolean sameKey(int entry, int[] key, int keyOffset) {
    int base = entry * d;
    for (int i = 0; i < d; i++) {
      if (keys[base + i] != key[keyOffset + i]) {
        return false;
      }
    }
    return true;
  }

  /** The vertex index of {@code key[keyOffset .. keyOffset+d)}, inserting it when new. */
  int findOrInsert(int[] key, int keyOffset) {
    int h = slotOf(key, keyOffset);
    while (true) {
      int e = slots[h];
      if (e < 0) {
        break;
      }
      if (sameKey(e, key, keyOffset)) {
        return e;
      }
      h = (h + 1) & mask;
    }
    if (2 * (size + 1) > slots.length) {
      grow();
      return findOrInsert(key, keyOffset);
    }
    if ((size + 1) * d > keys.length) {
      keys = Arrays.copyOf(keys, keys.length * 2);
    }
    System.arraycopy(key, keyOffset, keys, size * d, d);
    slots[h] = size;
    return size++;
  }

  /** The vertex index of the key, or -1 when the lattice has no such vertex. Never inserts. */
  int find(int[] key, int keyOffset) {
    int h = slotOf(key, keyOffset);
    while (true) {
      int e = slots[h];
      if (e < 0) {
        return -1;
      }
      if (sameKey(e, key, keyOffset)) {
        return e;
      }
      h = (h + 1) & mask;
    }
  }

  private void grow() {
    allocateSlots(slots.length * 2);
    for (int e = 0; e < size; e++) {
      int h = slotOf(keys, e * d);
      while (slots[h] >= 0) {
        h = (h + 1) & mask;
      }
      slots[h] = e;
    }
  }
}
