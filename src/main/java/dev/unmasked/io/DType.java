package dev.unmasked.io;

/** Safetensors element types, with their header spelling and width in bytes. */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }

  public boolean isFloating() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** Parses a header dtype string; null if unknown. */
  public static DType parse(String s) {
    for (DType d : values()) {
      if (d.name().equals(s)) {
        return d;
      }
    }
    return null;
  }
}
