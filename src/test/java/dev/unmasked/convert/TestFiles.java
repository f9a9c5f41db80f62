package dev.unmasked.convert;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.io.SafetensorsFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Locations of the test data, and a minimal F32 safetensors writer for synthetic files. */
final class TestFiles {
  private TestFiles() {}

  /** A tensor to write: shape and float32 values. */
  record Tensor(long[] shape, float[] values) {}

  static Path golden(String folder) {
    return Path.of("src/test/resources/golden", folder);
  }

  static Path resource(String name) {
    return Path.of("src/test/resources/convert", name);
  }

  /** A file of the shared interop fixtures; the test is skipped (with the reason) when absent. */
  static Path interop(String name) {
    String shared = System.getProperty("unmasked.shared", "../shared");
    Path p = Path.of(shared, "golden", "interop", name);
    assumeTrue(Files.isRegularFile(p), "interop fixture " + p + " is absent; skipping");
    return p;
  }

  static JsonObject json(Path p) throws IOException {
    return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
  }

  /** Every tensor of {@code f} as float32, in file order of names. */
  static Map<String, Tensor> readAll(SafetensorsFile f) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String k : f.keys()) {
      out.put(k, new Tensor(f.info(k).shape(), f.floats(k)));
    }
    return out;
  }

  /** Writes {@code tensors} as an F32 safetensors file. */
  static void write(Path path, Map<String, Tensor> tensors) throws IOException {
    JsonObject header = new JsonObject();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", "F32");
      com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      com.google.gson.JsonArray off = new com.google.gson.JsonArray();
      off.add(offset);
      offset += 4L * e.getValue().values().length;
      off.add(offset);
      t.add("data_offsets", off);
      header.add(e.getKey(), t);
    }
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(path)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
      out.write(len.array());
      out.write(h);
      for (Tensor t : tensors.values()) {
        ByteBuffer b = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(t.values());
        out.write(b.array());
      }
    }
  }
}
