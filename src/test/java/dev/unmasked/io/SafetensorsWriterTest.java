package dev.unmasked.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
  @TempDir(factory = ScratchDirs.class) Path dir;

  private static final Path GOLDEN = Paths.get("src/test/resources/golden");

  @Test
  void roundTripsEveryWritableDtype() throws IOException {
    float[] f = {0f, -0f, 1.1f, -3.75f, 1e-8f, 70000f, Float.NaN, Float.NEGATIVE_INFINITY, 3e38f};
    Path p = dir.resolve("rt.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .putF32("f32", f, 3, 3)
        .putF16("f16", f, 9)
        .putBf16("bf16", f, 9, 1)
        .put("f64", DType.F64, f, 9)
        .putI64("i64", new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, 3)
        .putU8("u8", new byte[] {0, 127, (byte) 255, 1}, 2, 2)
        .putRaw("i32", DType.I32, new byte[] {1, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, 2)
        .write(p);
    try (SafetensorsFile r = SafetensorsFile.open(p)) {
      assertEquals(Map.of("format", "pt"), r.metadata());
      assertArrayEquals(f, r.floats("f32"));
      assertArrayEquals(new long[] {3, 3}, r.info("f32").shape());
      float[] half = r.floats("f16");
      float[] bf = r.floats("bf16");
      for (int i = 0; i < f.length; i++) {
        assertEquals(Dtypes.f16ToFloat(Dtypes.floatToF16(f[i])), half[i], "f16 " + i);
        assertEquals(Dtypes.bf16ToFloat(Dtypes.floatToBf16(f[i])), bf[i], "bf16 " + i);
      }
      assertEquals(Float.POSITIVE_INFINITY, half[5]); // 70000 overflows half
      assertEquals(1.1f, bf[2], 0.01f);
      assertArrayEquals(f, toFloats(r.doubles("f64")));
      assertArrayEquals(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, r.longs("i64"));
      assertArrayEquals(new long[] {0, 127, 255, 1}, r.longs("u8"));
      assertArrayEquals(new long[] {1, -1}, r.longs("i32"));
      assertEquals(DType.BF16, r.info("bf16").dtype());
    }
    long headerLen = java.nio.ByteBuffer.wrap(Files.readAllBytes(p)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8);
  }

  /**
   * The golden files were written by the reference harness: metadata first, tensors in name order,
   * compact JSON, space padding to 8. Fed their own tensors, the writer must reproduce every one.
   */
  @Test
  void reproducesEveryGoldenFileByteForByte() throws IOException {
    List<Path> goldens;
    try (Stream<Path> s = Files.walk(GOLDEN)) {
      goldens = s.filter(x -> x.toString().endsWith(".safetensors")).sorted().toList();
    }
    assertTrue(goldens.size() >= 15, "golden files found: " + goldens);
    for (Path g : goldens) {
      Path out = dir.resolve("copy.safetensors");
      SafetensorsWriter w = new SafetensorsWriter();
      try (SafetensorsFile r = SafetensorsFile.open(g)) {
        w.metadata(r.metadata());
        for (String k : r.keys()) {
          TensorInfo t = r.info(k);
          switch (t.dtype()) {
            case F32 -> w.putF32(k, r.floats(k), t.shape());
            case I64 -> w.putI64(k, r.longs(k), t.shape());
            case U8 -> {
              long[] l = r.longs(k);
              byte[] b = new byte[l.length];
              for (int i = 0; i < l.length; i++) b[i] = (byte) l[i];
              w.putU8(k, b, t.shape());
            }
            default -> throw new AssertionError("unexpected dtype in " + g + ": " + t);
          }
        }
        w.write(out);
      }
      assertArrayEquals(Files.readAllBytes(g), Files.readAllBytes(out), g.toString());
    }
  }

  @Test
  void escapesLikePythonJsonDumps() throws IOException {
    Path p = dir.resolve("esc.safetensors");
    String value = "caf\u00e9 \"q\" back\\slash\ttab\u0001 \ud83d\ude00 </>&";
    new SafetensorsWriter().metadata("k\n", value).putF32("w\u00e9", new float[] {1}, 1).write(p);
    byte[] bytes = Files.readAllBytes(p);
    String header = new String(bytes, 8, bytes.length - 8 - 4, StandardCharsets.US_ASCII);
    // json.dumps(..., separators=(",", ":")) output, ensure_ascii=True
    assertEquals(
        "{\"__metadata__\":{\"k\\n\":\"caf\\u00e9 \\\"q\\\" back\\\\slash\\ttab\\u0001 "
            + "\\ud83d\\ude00 </>&\"},\"w\\u00e9\":{\"dtype\":\"F32\",\"shape\":[1],"
            + "\"data_offsets\":[0,4]}}",
        header.stripTrailing());
    try (SafetensorsFile r = SafetensorsFile.open(p)) {
      assertEquals(Map.of("k\n", value), r.metadata());
      assertArrayEquals(new float[] {1}, r.floats("w\u00e9"));
    }
  }

  @Test
  void writesEmptyFileAndSortsByName() throws IOException {
    Path p = dir.resolve("e.safetensors");
    new SafetensorsWriter().write(p);
    try (SafetensorsFile r = SafetensorsFile.open(p)) {
      assertTrue(r.keys().isEmpty() && r.metadata().isEmpty());
    }
    SafetensorsWriter w =
        new SafetensorsWriter().putF32("b", new float[] {2}, 1).putF32("a", new float[] {1}, 1);
    assertEquals(List.of("a", "b"), List.copyOf(w.names()));
    w.write(p);
    try (SafetensorsFile r = SafetensorsFile.open(p)) {
      assertEquals(0, r.info("a").begin()); // "a" is stored first although added second
      assertArrayEquals(new float[] {2}, r.floats("b"));
    }
  }

  @Test
  void refusesCallerMistakesImmediately() {
    SafetensorsWriter w = new SafetensorsWriter().putF32("x", new float[6], 2, 3);
    assertThrows(IllegalArgumentException.class, () -> w.putF32("x", new float[1], 1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> w.putF32("y", new float[5], 2, 3));
    assertTrue(e.getMessage().contains("'y'") && e.getMessage().contains("6 elements"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> w.putF32("__metadata__", new float[1], 1));
    assertThrows(IllegalArgumentException.class, () -> w.putF32("z", new float[0], -1, 0));
    assertThrows(IllegalArgumentException.class, () -> w.put("i", DType.I64, new float[1], 1));
    assertThrows(IllegalArgumentException.class, () -> w.putRaw("r", DType.F32, new byte[3], 1));
  }

  /** A failed write leaves the target as it was and no temporary file behind. */
  @Test
  void failedWriteLeavesTargetUntouchedAndNoTemporaryFile() throws IOException {
    Path target = dir.resolve("model.safetensors");
    Files.createDirectory(target); // renaming a file over a non-empty folder fails
    Path inside = Files.writeString(target.resolve("keep.txt"), "keep");
    SafetensorsException e =
        assertThrows(
            SafetensorsException.class,
            () -> new SafetensorsWriter().putF32("a", new float[] {1}, 1).write(target));
    assertTrue(e.getMessage().startsWith(target.toString()), e.getMessage());
    assertEquals("keep", Files.readString(inside));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(target), s.toList());
    }
    Path missingDir = dir.resolve("no/such/folder/x.safetensors");
    assertThrows(SafetensorsException.class, () -> new SafetensorsWriter().write(missingDir));
  }

  @Test
  void replacesExistingFileAtomically() throws IOException {
    Path target = dir.resolve("w.safetensors");
    new SafetensorsWriter().putF32("old", new float[] {1}, 1).write(target);
    new SafetensorsWriter().putF32("new", new float[] {2}, 1).write(target);
    try (SafetensorsFile r = SafetensorsFile.open(target)) {
      assertEquals(List.of("new"), List.copyOf(r.keys()));
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(1, s.count());
    }
  }

  /**
   * Raw tensors from buffers: a memory-mapped slice of another file, a direct buffer and a tensor
   * whose bytes are split unevenly over two buffers. The bytes are read when writing (not when
   * added), the callers' buffers keep their positions, and writing twice gives the same file.
   */
  @Test
  void streamsRawTensorsFromByteBuffers() throws IOException {
    Path src = dir.resolve("src.safetensors");
    float[] mapped = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f};
    new SafetensorsWriter().putF32("m", mapped, 2, 3).write(src);

    ByteBuffer direct = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
    direct.putLong(0, 42L);
    // Five I64 values: the first three bytes in one buffer, the other 37 in a second one that
    // starts at position 1 (the leading byte must not be written).
    ByteBuffer all = ByteBuffer.allocate(41).order(ByteOrder.LITTLE_ENDIAN);
    all.position(1);
    for (long v : new long[] {-1, 2, Long.MAX_VALUE, 0, 300}) {
      all.putLong(v);
    }
    ByteBuffer head = ByteBuffer.wrap(Arrays.copyOfRange(all.array(), 1, 4));
    ByteBuffer tail = ByteBuffer.wrap(all.array()).position(4);

    Path out = dir.resolve("out.safetensors");
    Path again = dir.resolve("again.safetensors");
    try (SafetensorsFile r = SafetensorsFile.open(src)) {
      ByteBuffer m = r.bytes("m");
      SafetensorsWriter w =
          new SafetensorsWriter()
              .metadata("format", "pt")
              .putRaw("m", DType.F32, m, 3, 2)
              .putRaw("d", DType.I64, direct, 1)
              .putRaw("split", DType.I64, List.of(head, tail), 5);
      direct.putLong(0, 43L); // changed after putRaw: the file must hold the new value
      w.write(out);
      w.write(again);
      assertEquals(0, m.position());
      assertEquals(24, m.remaining());
      assertEquals(4, tail.position());
    }
    try (SafetensorsFile r = SafetensorsFile.open(out)) {
      assertEquals(Map.of("format", "pt"), r.metadata());
      assertArrayEquals(mapped, r.floats("m"));
      assertArrayEquals(new long[] {3, 2}, r.info("m").shape());
      assertArrayEquals(new long[] {43}, r.longs("d"));
      assertArrayEquals(new long[] {-1, 2, Long.MAX_VALUE, 0, 300}, r.longs("split"));
      assertEquals(DType.I64, r.info("split").dtype());
    }
    assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again));
  }

  @Test
  void refusesBuffersOfTheWrongLength() {
    SafetensorsWriter w = new SafetensorsWriter();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> w.putRaw("b", DType.F16, ByteBuffer.allocate(10), 2, 3));
    assertTrue(
        e.getMessage().contains("'b'") && e.getMessage().contains("12 bytes")
            && e.getMessage().contains("10 bytes were given"),
        e.getMessage());
    // Two buffers that together are one byte short; a position counts, the capacity does not.
    ByteBuffer second = ByteBuffer.allocate(8).position(1);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> w.putRaw("c", DType.F32, List.of(ByteBuffer.allocate(8), second), 4));
    assertTrue(e.getMessage().contains("15 bytes were given"), e.getMessage());
    assertTrue(w.names().isEmpty(), "a refused tensor must not be added: " + w.names());
  }

  private static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }
}
