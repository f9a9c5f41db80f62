package dev.unmasked.convert;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.io.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file from raw little-endian tensor bytes (no dtype conversion), atomically:
 * a temp file in the same folder, then a rename. The header is padded with spaces to a multiple of
 * 8 bytes, as the reference implementation does.
 */
final class TensorFileWriter {
  private TensorFileWriter() {}

  /** One tensor: its name, stored dtype, shape, and the raw bytes in C order. */
  record Entry(String name, DType dtype, long[] shape, List<ByteBuffer> parts) {
    long byteLength() {
      long n = 0;
      for (ByteBuffer b : parts) {
        n += b.remaining();
      }
      return n;
    }
  }

  static void write(Path path, List<Entry> entries, Map<String, String> metadata) throws IOException {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add("__metadata__", meta);
    }
    long offset = 0;
    for (Entry e : entries) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", e.dtype().name());
      JsonArray shape = new JsonArray();
      for (long d : e.shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      JsonArray off = new JsonArray();
      off.add(offset);
      offset += e.byteLength();
      off.add(offset);
      t.add("data_offsets", off);
      header.add(e.name(), t);
    }
    StringBuilder h = new StringBuilder(header.toString());
    while (h.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
      h.append(' ');
    }
    byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hb.length));
        writeFully(ch, ByteBuffer.wrap(hb));
        for (Entry e : entries) {
          for (ByteBuffer b : e.parts()) {
            writeFully(ch, b.duplicate());
          }
        }
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes a JSON file atomically, pretty-printed with two spaces as diffusers does. */
  static void writeJson(Path path, JsonObject json) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
    try {
      String text = new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls()
          .create().toJson(json) + "\n";
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
