package dev.unmasked.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects named tensors and string metadata and writes them as one safetensors file, atomically.
 *
 * <p>Layout (the same as the project's golden files and Python's {@code json.dumps(...,
 * separators=(",", ":"))} with {@code ensure_ascii}): u64 header length, then compact JSON with
 * {@code __metadata__} first (omitted when empty, keys in insertion order) and the tensors in name
 * order (by code point, as Python sorts), space-padded to a multiple of 8 bytes; then the tensors'
 * little-endian C-order bytes back to back in the same name order. Given a golden file's own tensors
 * and metadata, the output is byte-identical to it.
 *
 * <p>The arrays and buffers passed to {@code put*} are kept by reference (not copied) and converted
 * or copied to the file only while {@link #write} streams them out, so do not modify them before
 * writing. Raw bytes may come as {@link ByteBuffer}s (for example memory-mapped slices of another
 * file), which are written straight from the buffer through the file channel: a multi-GB export
 * never passes through the Java heap. Caller mistakes (length that does not match the shape,
 * duplicate name) throw {@link IllegalArgumentException} immediately.
 */
public final class SafetensorsWriter {
  private static final int CHUNK = 1 << 20;

  /**
   * One pending tensor: exactly one of {@code f}, {@code l} and {@code raw} is set; {@code raw} holds
   * the little-endian bytes as read-only views (position..limit) that {@link #write} duplicates.
   */
  private record Entry(DType dtype, long[] shape, float[] f, long[] l, List<ByteBuffer> raw) {}

  // Python's sorted(): compare by code point, which differs from String.compareTo only when a name
  // holds characters outside the BMP.
  private final Map<String, Entry> tensors = new TreeMap<>(SafetensorsWriter::compareCodePoints);
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Adds one {@code __metadata__} entry (kept in insertion order). */
  public SafetensorsWriter metadata(String key, String value) {
    if (key == null || value == null) {
      throw new IllegalArgumentException("metadata key and value must not be null");
    }
    metadata.put(key, value);
    return this;
  }

  /** Adds every entry of {@code meta} in its iteration order. */
  public SafetensorsWriter metadata(Map<String, String> meta) {
    meta.forEach(this::metadata);
    return this;
  }

  /** A float tensor stored as {@code dtype} (F32, F16, BF16 or F64; F16/BF16 round to nearest even). */
  public SafetensorsWriter put(String name, DType dtype, float[] data, long... shape) {
    if (!dtype.isFloating()) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': float data cannot be stored as " + dtype + "; use putI64/putU8/putRaw");
    }
    return add(name, new Entry(dtype, shape.clone(), data, null, null), data.length, false);
  }

  public SafetensorsWriter putF32(String name, float[] data, long... shape) {
    return put(name, DType.F32, data, shape);
  }

  public SafetensorsWriter putF16(String name, float[] data, long... shape) {
    return put(name, DType.F16, data, shape);
  }

  public SafetensorsWriter putBf16(String name, float[] data, long... shape) {
    return put(name, DType.BF16, data, shape);
  }

  /** An int64 tensor. */
  public SafetensorsWriter putI64(String name, long[] data, long... shape) {
    return add(name, new Entry(DType.I64, shape.clone(), null, data, null), data.length, false);
  }

  /** A uint8 tensor (bytes taken as unsigned). */
  public SafetensorsWriter putU8(String name, byte[] data, long... shape) {
    return putRaw(name, DType.U8, data, shape);
  }

  /** Any dtype from its raw little-endian bytes (for copying tensors without conversion). */
  public SafetensorsWriter putRaw(String name, DType dtype, byte[] littleEndian, long... shape) {
    return putRaw(name, dtype, List.of(ByteBuffer.wrap(littleEndian)), shape);
  }

  /**
   * Any dtype from its raw little-endian bytes in one buffer: the bytes from its position to its
   * limit, which must be exactly {@code numel(shape) * dtype.bytes()}. The buffer's own position is
   * not moved; its content is read only when {@link #write} runs.
   */
  public SafetensorsWriter putRaw(String name, DType dtype, ByteBuffer littleEndian, long... shape) {
    return putRaw(name, dtype, List.of(littleEndian), shape);
  }

  /**
   * Any dtype from its raw little-endian bytes spread over several buffers, written back to back in
   * list order (for example the q, k and v thirds of a fused projection). Together their remaining
   * bytes must be exactly {@code numel(shape) * dtype.bytes()}; each part may hold any number of
   * bytes. The buffers' positions are not moved; their content is read only when {@link #write}
   * runs, so memory-mapped buffers must stay valid (their file open) until then.
   */
  public SafetensorsWriter putRaw(String name, DType dtype, List<ByteBuffer> parts, long... shape) {
    List<ByteBuffer> views = new ArrayList<>(parts.size());
    long bytes = 0;
    for (ByteBuffer p : parts) {
      views.add(p.asReadOnlyBuffer()); // freezes position..limit; the caller's buffer is untouched
      bytes += p.remaining();
    }
    return add(name, new Entry(dtype, shape.clone(), null, null, List.copyOf(views)), bytes, true);
  }

  /** Names added so far, in the order they will be written. */
  public java.util.Set<String> names() {
    return java.util.Collections.unmodifiableSet(tensors.keySet());
  }

  /** {@code given} counts elements, or bytes when {@code inBytes}. */
  private SafetensorsWriter add(String name, Entry e, long given, boolean inBytes) {
    if (name == null || name.isEmpty() || name.equals("__metadata__")) {
      throw new IllegalArgumentException("invalid tensor name '" + name + "'");
    }
    if (tensors.containsKey(name)) {
      throw new IllegalArgumentException("tensor '" + name + "' added twice");
    }
    long numel = 1;
    for (long d : e.shape()) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': negative dimension in shape " + Arrays.toString(e.shape()));
      }
      numel = Math.multiplyExact(numel, d);
    }
    if (inBytes) {
      long want = Math.multiplyExact(numel, (long) e.dtype().bytes());
      if (want != given) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': shape " + Arrays.toString(e.shape()) + " holds " + numel
                + " elements of " + e.dtype() + " (" + want + " bytes) but " + given
                + " bytes were given");
      }
    } else if (numel != given) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': shape " + Arrays.toString(e.shape()) + " holds " + numel
              + " elements but " + given + " were given");
    }
    tensors.put(name, e);
    return this;
  }

  /**
   * Writes the file through {@link AtomicFile}: to a temporary file in the target's folder, flushed
   * to disk, then renamed over {@code target} with {@code ATOMIC_MOVE}. On any failure the temporary file is deleted and an
   * existing {@code target} is left untouched.
   */
  public void write(Path target) throws SafetensorsException {
    byte[] header = headerBytes();
    try {
      AtomicFile.write(
          target,
          ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors.values()) {
              writeData(ch, buf, e);
            }
          });
    } catch (AtomicMoveNotSupportedException e) {
      throw new SafetensorsException(
          target, "the file system cannot rename atomically; write to a local folder", e);
    } catch (IOException e) {
      throw new SafetensorsException(target, "cannot write (" + e + ")", e);
    }
  }

  /** The padded header JSON, as written after the 8-byte length. */
  byte[] headerBytes() {
    StringBuilder sb = new StringBuilder("{");
    if (!metadata.isEmpty()) {
      sb.append("\"__metadata__\":{");
      boolean first = true;
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        sb.append(first ? "" : ",");
        quote(sb, m.getKey()).append(':');
        quote(sb, m.getValue());
        first = false;
      }
      sb.append('}');
    }
    long offset = 0;
    for (Map.Entry<String, Entry> t : tensors.entrySet()) {
      Entry e = t.getValue();
      long bytes = Math.multiplyExact(numel(e.shape()), (long) e.dtype().bytes());
      sb.append(sb.length() > 1 ? "," : "");
      quote(sb, t.getKey()).append(":{\"dtype\":\"").append(e.dtype().name()).append("\",\"shape\":[");
      for (int i = 0; i < e.shape().length; i++) {
        sb.append(i > 0 ? "," : "").append(e.shape()[i]);
      }
      sb.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
      offset += bytes;
    }
    sb.append('}');
    while (sb.length() % 8 != 0) { // all ASCII, so chars == bytes
      sb.append(' ');
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** JSON string as Python's json.dumps with ensure_ascii writes it (pure ASCII output). */
  private static StringBuilder quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }

  private static void writeData(FileChannel ch, ByteBuffer buf, Entry e) throws IOException {
    if (e.raw() != null) {
      for (ByteBuffer part : e.raw()) {
        writeRaw(ch, part.duplicate());
      }
      return;
    }
    int n = e.f() != null ? e.f().length : e.l().length;
    int width = e.dtype().bytes();
    for (int i = 0; i < n; i++) {
      if (buf.remaining() < width) {
        flush(ch, buf);
      }
      if (e.l() != null) {
        buf.putLong(e.l()[i]);
      } else {
        float v = e.f()[i];
        switch (e.dtype()) {
          case F32 -> buf.putInt(Float.floatToRawIntBits(v));
          case F64 -> buf.putDouble(v);
          case F16 -> buf.putShort(Dtypes.floatToF16(v));
          case BF16 -> buf.putShort(Dtypes.floatToBf16(v));
          default -> throw new IllegalStateException(e.dtype().name());
        }
      }
    }
    flush(ch, buf);
  }

  /**
   * A direct (for example memory-mapped) buffer goes to the channel as it is, uncopied. A heap
   * buffer goes in 1 MiB slices, because the JDK copies a heap buffer into a temporary direct buffer
   * as large as what is left of it, which for a large array would double its memory.
   */
  private static void writeRaw(FileChannel ch, ByteBuffer b) throws IOException {
    if (b.isDirect()) {
      writeFully(ch, b);
      return;
    }
    while (b.hasRemaining()) {
      int n = Math.min(CHUNK, b.remaining());
      writeFully(ch, b.slice(b.position(), n));
      b.position(b.position() + n);
    }
  }

  private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
    buf.flip();
    writeFully(ch, buf);
    buf.clear();
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
