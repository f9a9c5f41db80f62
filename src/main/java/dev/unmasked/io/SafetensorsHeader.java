package dev.unmasked.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Strict parser and validator of a safetensors JSON header, with the same rules as the reference
 * Rust crate: valid UTF-8, strict JSON, one object; each tensor has a known dtype, a shape of
 * non-negative integers and {@code data_offsets} whose byte count equals numel x width; the tensors
 * tile the data section exactly (no gap, no overlap, nothing left over). Metadata values are strings.
 * Duplicate names are refused (ordinary JSON parsers silently keep the last one).
 *
 * <p>Everything is checked with streaming reads and bounded memory, so a corrupt header fails with a
 * {@link SafetensorsException} instead of a crash, a hang or a huge allocation.
 */
final class SafetensorsHeader {
  /** Plain JSON integer without sign, fraction or exponent, at most 19 digits (fits a long). */
  private static final Pattern UNSIGNED = Pattern.compile("0|[1-9][0-9]{0,18}");

  final Map<String, TensorInfo> tensors;
  final Map<String, String> metadata;

  private SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Parses {@code header} (the raw header bytes) for a data section of {@code dataLen} bytes. */
  static SafetensorsHeader parse(Path path, byte[] header, long dataLen)
      throws SafetensorsException {
    String json;
    try {
      json =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(header))
              .toString();
    } catch (CharacterCodingException e) {
      throw new SafetensorsException(path, "header is not valid UTF-8: not a safetensors file?");
    }
    if (json.isEmpty() || json.charAt(0) != '{') {
      throw new SafetensorsException(
          path, "header does not start with '{': not a safetensors file, or corrupt");
    }
    Map<String, TensorInfo> infos = new TreeMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    try (JsonReader r = new JsonReader(new StringReader(json))) {
      r.setStrictness(Strictness.STRICT);
      r.beginObject();
      boolean sawMetadata = false;
      while (r.hasNext()) {
        String name = r.nextName();
        if (name.equals("__metadata__")) {
          if (sawMetadata) {
            throw new SafetensorsException(path, "header has two __metadata__ entries");
          }
          sawMetadata = true;
          readMetadata(path, r, meta);
        } else {
          if (infos.containsKey(name)) {
            throw new SafetensorsException(path, "tensor '" + name + "' appears twice in the header");
          }
          infos.put(name, readEntry(path, r, name, dataLen));
        }
      }
      r.endObject();
      boolean atEnd;
      try {
        atEnd = r.peek() == JsonToken.END_DOCUMENT;
      } catch (IOException e) {
        atEnd = false;
      }
      if (!atEnd) {
        throw new SafetensorsException(path, "header has data after its closing '}'");
      }
    } catch (SafetensorsException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // MalformedJsonException, IllegalStateException for a wrong token, nesting limit, EOF ...
      throw new SafetensorsException(path, "header is not valid JSON (" + gsonMessage(e) + ")");
    }
    checkTiling(path, infos, dataLen);
    return new SafetensorsHeader(
        Collections.unmodifiableMap(infos), Collections.unmodifiableMap(meta));
  }

  private static void readMetadata(Path path, JsonReader r, Map<String, String> meta)
      throws IOException {
    if (r.peek() == JsonToken.NULL) { // Rust's Option<HashMap> accepts null
      r.nextNull();
      return;
    }
    if (r.peek() != JsonToken.BEGIN_OBJECT) {
      throw new SafetensorsException(path, "__metadata__ is not an object but " + r.peek());
    }
    r.beginObject();
    while (r.hasNext()) {
      String k = r.nextName();
      if (r.peek() != JsonToken.STRING) {
        throw new SafetensorsException(
            path, "__metadata__ value of '" + k + "' is " + r.peek() + ", not a string");
      }
      if (meta.put(k, r.nextString()) != null) {
        throw new SafetensorsException(path, "__metadata__ key '" + k + "' appears twice");
      }
    }
    r.endObject();
  }

  private static TensorInfo readEntry(Path path, JsonReader r, String name, long dataLen)
      throws IOException {
    String where = "tensor '" + name + "'";
    if (r.peek() != JsonToken.BEGIN_OBJECT) {
      throw new SafetensorsException(path, where + ": entry is " + r.peek() + ", not an object");
    }
    DType dtype = null;
    long[] shape = null;
    long[] offsets = null;
    Set<String> seen = new HashSet<>();
    r.beginObject();
    while (r.hasNext()) {
      String field = r.nextName();
      if (!seen.add(field)) {
        throw new SafetensorsException(path, where + ": field '" + field + "' appears twice");
      }
      switch (field) {
        case "dtype" -> {
          if (r.peek() != JsonToken.STRING) {
            throw new SafetensorsException(path, where + ": dtype is " + r.peek() + ", not a string");
          }
          String s = r.nextString();
          dtype = DType.parse(s);
          if (dtype == null) {
            throw new SafetensorsException(
                path,
                where + ": unsupported dtype '" + s + "' (supported: "
                    + Arrays.toString(DType.values()) + ")");
          }
        }
        case "shape" -> shape = readLongs(path, r, where + " shape", -1);
        case "data_offsets" -> offsets = readLongs(path, r, where + " data_offsets", 2);
        default -> r.skipValue(); // unknown fields are ignored, as the reference reader does
      }
    }
    r.endObject();
    if (dtype == null || shape == null || offsets == null) {
      throw new SafetensorsException(
          path,
          where + ": entry lacks " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin || end > dataLen) {
      throw new SafetensorsException(
          path,
          where + ": data_offsets [" + begin + "," + end + "] outside the data section of "
              + dataLen + " bytes (file truncated or header lying)");
    }
    long numel = 1;
    long bytes;
    try {
      for (long d : shape) {
        numel = Math.multiplyExact(numel, d);
      }
      bytes = Math.multiplyExact(numel, (long) dtype.bytes());
    } catch (ArithmeticException e) {
      throw new SafetensorsException(path, where + ": shape " + Arrays.toString(shape) + " overflows");
    }
    if (end - begin != bytes) {
      throw new SafetensorsException(
          path,
          where + ": " + (end - begin) + " bytes stored but dtype " + dtype + " x shape "
              + Arrays.toString(shape) + " needs " + bytes);
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  /** An array of unsigned JSON integers; {@code count} < 0 means any length. */
  private static long[] readLongs(Path path, JsonReader r, String what, int count)
      throws IOException {
    if (r.peek() != JsonToken.BEGIN_ARRAY) {
      throw new SafetensorsException(path, what + " is " + r.peek() + ", not an array");
    }
    long[] out = new long[count < 0 ? 4 : count];
    int n = 0;
    r.beginArray();
    while (r.hasNext()) {
      if (r.peek() != JsonToken.NUMBER) {
        throw new SafetensorsException(path, what + "[" + n + "] is " + r.peek() + ", not a number");
      }
      // Read the literal text: converting "1e999999999" through BigDecimal would take forever.
      String s = r.nextString();
      if (!UNSIGNED.matcher(s).matches()) {
        throw new SafetensorsException(
            path, what + "[" + n + "] = " + abbreviate(s) + " is not a non-negative integer");
      }
      long v;
      try {
        v = Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new SafetensorsException(path, what + "[" + n + "] = " + s + " is too large");
      }
      if (count >= 0 && n >= count) {
        throw new SafetensorsException(path, what + " has more than " + count + " entries");
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = v;
    }
    r.endArray();
    if (count >= 0 && n != count) {
      throw new SafetensorsException(path, what + " has " + n + " entries, expected " + count);
    }
    return count >= 0 ? out : Arrays.copyOf(out, n);
  }

  /** Gson's message without its advice to switch to lenient parsing and its help link. */
  private static String gsonMessage(Exception e) {
    String m = String.valueOf(e.getMessage());
    int see = m.indexOf("\nSee ");
    if (see >= 0) {
      m = m.substring(0, see);
    }
    return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
        .replace("Use JsonReader.setLenient(true) to accept malformed JSON", "malformed JSON");
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** The tensors must cover [0, dataLen) exactly, in offset order, as the reference crate demands. */
  private static void checkTiling(Path path, Map<String, TensorInfo> infos, long dataLen)
      throws SafetensorsException {
    List<TensorInfo> byOffset = new ArrayList<>(infos.values());
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long pos = 0;
    TensorInfo prev = null;
    for (TensorInfo t : byOffset) {
      if (t.begin() < pos) {
        throw new SafetensorsException(
            path,
            "tensors '" + prev.name() + "' [" + prev.begin() + "," + prev.end() + ") and '"
                + t.name() + "' [" + t.begin() + "," + t.end() + ") overlap");
      }
      if (t.begin() > pos) {
        throw new SafetensorsException(
            path,
            "bytes [" + pos + "," + t.begin() + ") of the data section belong to no tensor"
                + " (header lying or file corrupt)");
      }
      pos = t.end();
      prev = t;
    }
    if (pos != dataLen) {
      throw new SafetensorsException(
          path,
          "data section is " + dataLen + " bytes but the tensors end at byte " + pos
              + " (file has trailing bytes, or the header is lying)");
    }
  }
}
