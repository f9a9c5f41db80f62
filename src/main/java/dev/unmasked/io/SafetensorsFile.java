package dev.unmasked.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A memory-mapped safetensors file. The header is validated completely when the file is opened
 * (dtype, shape, offsets inside the data section, byte count = numel * width, no overlaps), so a
 * corrupt or lying file fails here with a message naming the file and the problem, never later in
 * native code. Tensor data is mapped per tensor, so files over 2 GiB are fine; only a single tensor
 * over 2 GiB is refused.
 */
public final class SafetensorsFile implements TensorSource {

  /** Headers larger than this are refused instead of allocated (real headers are well under 1 MB). */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
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
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8, path);
      String json = new String(hb.array(), StandardCharsets.UTF_8);
      long dataLen = size - 8 - headerLen;
      Map<String, String> meta = new LinkedHashMap<>();
      Map<String, TensorInfo> infos = parseHeader(path, json, dataLen, meta);
      return new SafetensorsFile(path, ch, 8 + headerLen, infos, meta);
    } catch (SafetensorsException e) {
      closeQuietly(ch);
      throw e;
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw new SafetensorsException(path, "unreadable header (" + e + ")", e);
    }
  }

  private static Map<String, TensorInfo> parseHeader(
      Path path, String json, long dataLen, Map<String, String> meta) throws SafetensorsException {
    JsonElement root;
    try {
      root = JsonParser.parseString(json);
    } catch (RuntimeException e) {
      throw new SafetensorsException(path, "header is not valid JSON (" + e.getMessage() + ")");
    }
    if (!root.isJsonObject()) {
      throw new SafetensorsException(path, "header is not a JSON object");
    }
    Map<String, TensorInfo> infos = new TreeMap<>();
    for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
      String name = e.getKey();
      if (name.equals("__metadata__")) {
        if (!e.getValue().isJsonObject()) {
          throw new SafetensorsException(path, "__metadata__ is not an object");
        }
        for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
          if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
            throw new SafetensorsException(
                path, "__metadata__ value of '" + m.getKey() + "' is not a string");
          }
          meta.put(m.getKey(), m.getValue().getAsString());
        }
        continue;
      }
      infos.put(name, parseEntry(path, name, e.getValue(), dataLen));
    }
    List<TensorInfo> byOffset = new ArrayList<>(infos.values());
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    for (int i = 1; i < byOffset.size(); i++) {
      TensorInfo a = byOffset.get(i - 1);
      TensorInfo b = byOffset.get(i);
      if (b.begin() < a.end()) {
        throw new SafetensorsException(
            path,
            "tensors '" + a.name() + "' [" + a.begin() + "," + a.end() + ") and '" + b.name()
                + "' [" + b.begin() + "," + b.end() + ") overlap");
      }
    }
    return Collections.unmodifiableMap(infos);
  }

  private static TensorInfo parseEntry(Path path, String name, JsonElement v, long dataLen)
      throws SafetensorsException {
    String where = "tensor '" + name + "'";
    if (!v.isJsonObject()) {
      throw new SafetensorsException(path, where + ": entry is not an object");
    }
    JsonObject o = v.getAsJsonObject();
    JsonElement dt = o.get("dtype");
    if (dt == null || !dt.isJsonPrimitive()) {
      throw new SafetensorsException(path, where + ": missing dtype");
    }
    DType dtype = DType.parse(dt.getAsString());
    if (dtype == null) {
      throw new SafetensorsException(path, where + ": unsupported dtype '" + dt.getAsString() + "'");
    }
    JsonElement sh = o.get("shape");
    if (sh == null || !sh.isJsonArray()) {
      throw new SafetensorsException(path, where + ": missing shape");
    }
    long[] shape = new long[sh.getAsJsonArray().size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegativeLong(path, where + " shape[" + i + "]", sh.getAsJsonArray().get(i));
      numel = Math.multiplyHigh(numel, shape[i]) != 0 || numel * shape[i] < 0 ? -1 : numel * shape[i];
      if (numel < 0) {
        throw new SafetensorsException(path, where + ": shape overflows");
      }
    }
    JsonElement off = o.get("data_offsets");
    if (off == null || !off.isJsonArray() || off.getAsJsonArray().size() != 2) {
      throw new SafetensorsException(path, where + ": data_offsets must be [begin, end]");
    }
    long begin = nonNegativeLong(path, where + " data_offsets[0]", off.getAsJsonArray().get(0));
    long end = nonNegativeLong(path, where + " data_offsets[1]", off.getAsJsonArray().get(1));
    if (end < begin || end > dataLen) {
      throw new SafetensorsException(
          path,
          where + ": data_offsets [" + begin + "," + end + "] outside the data section of "
              + dataLen + " bytes (file truncated or header lying)");
    }
    if (numel > Long.MAX_VALUE / dtype.bytes() || end - begin != numel * dtype.bytes()) {
      throw new SafetensorsException(
          path,
          where + ": " + (end - begin) + " bytes stored but dtype " + dtype + " x shape "
              + java.util.Arrays.toString(shape) + " needs " + numel * dtype.bytes());
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static long nonNegativeLong(Path path, String what, JsonElement e)
      throws SafetensorsException {
    try {
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
        java.math.BigDecimal d = e.getAsBigDecimal();
        long l = d.longValueExact();
        if (l >= 0) {
          return l;
        }
      }
    } catch (ArithmeticException | NumberFormatException ex) {
      // fall through
    }
    throw new SafetensorsException(path, what + " is not a non-negative integer: " + e);
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

  /** A little-endian read-only view of the tensor's bytes (memory-mapped). */
  public ByteBuffer bytes(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    if (t.byteLength() > Integer.MAX_VALUE) {
      throw new SafetensorsException(path, "tensor '" + key + "' is over 2 GiB; not supported");
    }
    try {
      MappedByteBuffer mb =
          channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength());
      return mb.order(ByteOrder.LITTLE_ENDIAN);
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
  public void close() {
    closeQuietly(channel);
  }
}
