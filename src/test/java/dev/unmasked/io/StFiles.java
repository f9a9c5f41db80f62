package dev.unmasked.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builders of small safetensors byte images for the reader tests. */
final class StFiles {
  private StFiles() {}

  /** u64 length + header (not padded) + data. */
  static byte[] raw(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return raw(h, data);
  }

  static byte[] raw(byte[] h, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** A small valid file with several dtypes, an empty tensor and metadata, made by the writer. */
  static byte[] smallValid(Path dir) throws IOException {
    Path p = dir.resolve("small-valid.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .metadata("note", "small \"valid\" file")
        .putF32("a.weight", new float[] {1, -2, 3.5f, 4, 5, 6}, 2, 3)
        .putF16("b.half", new float[] {0.5f, -1, 65504, 1e-7f}, 4)
        .putBf16("c.bf16", new float[] {1.5f, -3}, 1, 2)
        .putI64("d.ids", new long[] {7, -9}, 2)
        .putU8("e.bytes", new byte[] {1, (byte) 200, 3}, 3)
        .putF32("f.empty", new float[0], 0, 4)
        .put("g.f64", DType.F64, new float[] {0.25f}, 1)
        .write(p);
    return Files.readAllBytes(p);
  }
}
