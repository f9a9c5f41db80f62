package dev.unmasked.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A memory-mapped safetensors file. The header is validated completely when the file is opened
 * (strict JSON, no duplicate names, dtype, shape, byte count = numel * width, tensors tiling the data
 * section exactly; see {@link SafetensorsHeader}), so a corrupt, truncated or lying file fails here
 * with a {@link SafetensorsException} naming the file and the problem, never later in native code.
 * Tensor data is mapped per tensor, so files over 2 GiB are fine; only a single tensor over 2 GiB is
 * refused (when read). Writing is {@link SafetensorsWriter}'s job.
 */
public final class SafetensorsFile implements TensorSource {

  /** Headers larger than this are refused instead of allocated (real headers are well under 1 MB). */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final long dataLen;
  /** The whole data section when it is under 2 GiB, mapped on first use. */
  private MappedByteBuffer whole;
  private boolean closed;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      long dataLen,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.dataLen = dataLen;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens and validates {@code path}. */
  public static SafetensorsFile open(Path path) throws SafetensorsException {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new SafetensorsException(path, "cannot open (" + e.getMessage() + ")", e);
    }
    try {
      long size = ch.size();
      if (size < 8) {
        throw new SafetensorsException(
            path, "file is " + size + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0, path);
      long headerLen = lenBuf.getLong(0);
      if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
        throw new SafetensorsException(
            path,
            "header length " + Long.toUnsignedString(headerLen) + " is not plausible (2.."
                + MAX_HEADER_BYTES + " bytes): not a safetensors file, or corrupt");
      }
      if (8 + headerLen > size) {
        throw new SafetensorsException(
            path,
            "header length " + headerLen + " runs past the end of the file (" + size
                + " bytes): file truncated?");
      }
      // Allocation is bounded: headerLen <= MAX_HEADER_BYTES and the bytes really are in the file.
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8, path);
      long dataLen = size - 8 - headerLen;
      SafetensorsHeader h = SafetensorsHeader.parse(path, hb.array(), dataLen);
      return new SafetensorsFile(path, ch, 8 + headerLen, dataLen, h.tensors, h.metadata);
    } catch (SafetensorsException e) {
      closeQuietly(ch);
      throw e;
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw new SafetensorsException(path, "unreadable header (" + e + ")", e);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path path)
      throws SafetensorsException {
    try {
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos + buf.position());
        if (n < 0) {
          throw new SafetensorsException(path, "unexpected end of file");
        }
      }
    } catch (IOException e) {
      throw new SafetensorsException(path, "read failed (" + e.getMessage() + ")", e);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing to add to the error being reported
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public String describe() {
    return path.toString();
  }

  /** Tensor names in sorted order. */
  @Override
  public java.util.Set<String> keys() {
    return tensors.keySet();
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public boolean contains(String key) {
    return tensors.containsKey(key);
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** The entry for {@code key}; a missing key is an error naming the file and the key. */
  @Override
  public TensorInfo info(String key) throws SafetensorsException {
    TensorInfo t = tensors.get(key);
    if (t == null) {
      throw new SafetensorsException(path, "no tensor named '" + key + "'");
    }
    return t;
  }

  /**
   * A little-endian read-only view of the tensor's bytes (memory-mapped). A data section under 2 GiB
   * is mapped once and sliced; a larger one is mapped per tensor, since a Java buffer cannot span
   * more than 2 GiB.
   */
  public ByteBuffer bytes(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    if (t.byteLength() > Integer.MAX_VALUE) {
      throw new SafetensorsException(path, "tensor '" + key + "' is over 2 GiB; not supported");
    }
    try {
      synchronized (this) {
        if (closed) {
          throw new SafetensorsException(path, "file was closed before tensor '" + key + "' was read");
        }
        if (dataLen <= Integer.MAX_VALUE) {
          if (whole == null) {
            whole = channel.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen);
          }
          return whole
              .slice((int) t.begin(), (int) t.byteLength())
              .order(ByteOrder.LITTLE_ENDIAN);
        }
        MappedByteBuffer mb =
            channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength());
        return mb.order(ByteOrder.LITTLE_ENDIAN);
      }
    } catch (IOException e) {
      throw new SafetensorsException(path, "cannot map tensor '" + key + "' (" + e + ")", e);
    }
  }

  /** The tensor converted to float32 (F64/F32/F16/BF16, integer types too). */
  @Override
  public float[] floats(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    return Dtypes.toFloats(bytes(key), t.dtype(), (int) t.numel());
  }

  /** The tensor converted to float64. */
  public double[] doubles(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    return Dtypes.toDoubles(bytes(key), t.dtype(), (int) t.numel());
  }

  /** An integer tensor (I64/I32/I16/I8/U8/BOOL) as longs. */
  public long[] longs(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    return Dtypes.toLongs(bytes(key), t.dtype(), (int) t.numel(), path, key);
  }

  @Override
  public synchronized void close() {
    closed = true;
    whole = null; // the mapping itself is released by the garbage collector
    closeQuietly(channel);
  }
}
