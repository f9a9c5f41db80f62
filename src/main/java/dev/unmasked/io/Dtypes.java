package dev.unmasked.io;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Conversions between safetensors element types and Java arrays (bf16/f16 done in Java). */
public final class Dtypes {
  private Dtypes() {}

  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** IEEE half -> float (exact; subnormals, infinities and NaN included). */
  public static float f16ToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** float -> IEEE half with round-to-nearest-even (as torch's .half()). */
  public static short floatToF16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fffffff;
    if (abs >= 0x7f800000) { // inf or nan
      return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
    }
    if (abs >= 0x477ff000) { // rounds to >= 65520: overflow to inf
      return (short) (sign | 0x7c00);
    }
    if (abs < 0x38800000) { // subnormal half (or zero)
      float v = Float.intBitsToFloat(abs) * 0x1p24f; // in units of 2^-24
      int m = (int) Math.rint(v);
      return (short) (sign | m);
    }
    int exp = ((abs >>> 23) - 112) << 10;
    int mant = abs & 0x7fffff;
    int half = exp | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | half);
  }

  /** Round-to-nearest-even float32 -> bfloat16, as torch does; NaN stays NaN. */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  public static float[] toFloats(ByteBuffer b, DType dtype, int n) {
    float[] out = new float[n];
    switch (dtype) {
      case F32 -> b.asFloatBuffer().get(out);
      case F64 -> {
        for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(8 * i);
      }
      case F16 -> {
        for (int i = 0; i < n; i++) out[i] = f16ToFloat(b.getShort(2 * i));
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) out[i] = bf16ToFloat(b.getShort(2 * i));
      }
      default -> {
        long[] l = toLongsUnchecked(b, dtype, n);
        for (int i = 0; i < n; i++) out[i] = l[i];
      }
    }
    return out;
  }

  public static double[] toDoubles(ByteBuffer b, DType dtype, int n) {
    double[] out = new double[n];
    if (dtype == DType.F64) {
      b.asDoubleBuffer().get(out);
      return out;
    }
    float[] f = toFloats(b, dtype, n);
    for (int i = 0; i < n; i++) out[i] = f[i];
    return out;
  }

  static long[] toLongs(ByteBuffer b, DType dtype, int n, Path path, String key)
      throws SafetensorsException {
    if (dtype.isFloating()) {
      throw new SafetensorsException(path, "tensor '" + key + "' is " + dtype + ", not an integer type");
    }
    return toLongsUnchecked(b, dtype, n);
  }

  private static long[] toLongsUnchecked(ByteBuffer b, DType dtype, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (dtype) {
            case I64 -> b.getLong(8 * i);
            case I32 -> b.getInt(4 * i);
            case I16 -> b.getShort(2 * i);
            case I8 -> b.get(i);
            case U8, BOOL -> b.get(i) & 0xff;
            default -> throw new IllegalArgumentException(dtype.name());
          };
    }
    return out;
  }
}
