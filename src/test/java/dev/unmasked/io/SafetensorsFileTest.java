package dev.unmasked.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  private static final Path GOLDEN = Paths.get("src/test/resources/golden");

  @Test
  void readsEveryDtypeByKey() throws IOException {
    byte[] bytes = StFiles.smallValid(dir);
    try (SafetensorsFile f = SafetensorsFile.open(StFiles.write(dir, "s.safetensors", bytes))) {
      assertEquals(
          List.of("a.weight", "b.half", "c.bf16", "d.ids", "e.bytes", "f.empty", "g.f64"),
          List.copyOf(f.keys()));
      assertEquals(Map.of("format", "pt", "note", "small \"valid\" file"), f.metadata());
      assertArrayEquals(new float[] {1, -2, 3.5f, 4, 5, 6}, f.floats("a.weight"));
      assertArrayEquals(new long[] {2, 3}, f.info("a.weight").shape());
      assertEquals(DType.F16, f.info("b.half").dtype());
      // 1e-7 is a half subnormal: 2^-24 * round(1e-7 * 2^24) = 2^-24 * 2
      assertArrayEquals(new float[] {0.5f, -1, 65504, 0x1p-23f}, f.floats("b.half"));
      assertArrayEquals(new float[] {1.5f, -3}, f.floats("c.bf16"));
      assertArrayEquals(new long[] {7, -9}, f.longs("d.ids"));
      assertArrayEquals(new float[] {7, -9}, f.floats("d.ids"));
      assertArrayEquals(new long[] {1, 200, 3}, f.longs("e.bytes"));
      assertEquals(0, f.floats("f.empty").length);
      assertArrayEquals(new double[] {0.25}, f.doubles("g.f64"));
      SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.longs("a.weight"));
      assertTrue(e.getMessage().contains("not an integer type"), e.getMessage());
      e = assertThrows(SafetensorsException.class, () -> f.floats("nope"));
      assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains(dir.toString()));
    }
  }

  @Test
  void readsIntegerTypesFromRawBytes() throws IOException {
    ByteBuffer d = ByteBuffer.allocate(4 + 4 + 2 + 1 + 2).order(ByteOrder.LITTLE_ENDIAN);
    d.putInt(-70000).putInt(5).putShort((short) -300).put((byte) -5).put((byte) 1).put((byte) 0);
    String h =
        "{\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[8,10]},"
            + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[10,11]},"
            + "\"flags\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[11,13]}}";
    try (SafetensorsFile f =
        SafetensorsFile.open(StFiles.write(dir, "i.safetensors", StFiles.raw(h, d.array())))) {
      assertArrayEquals(new long[] {-70000, 5}, f.longs("i32"));
      assertArrayEquals(new long[] {-300}, f.longs("i16"));
      assertArrayEquals(new long[] {-5}, f.longs("i8"));
      assertArrayEquals(new long[] {1, 0}, f.longs("flags"));
      assertTrue(f.metadata().isEmpty());
    }
  }

  @Test
  void readsGoldenFolderFile() throws IOException {
    try (SafetensorsFile f = SafetensorsFile.open(GOLDEN.resolve("unet_sd1_golden.safetensors"))) {
      assertArrayEquals(new long[] {981}, f.longs("timestep_scalar"));
      float[] tv = f.floats("timestep_vector");
      assertEquals(999.0f, tv[0]);
      assertEquals(412.37f, tv[1], 1e-3f);
      assertEquals(2 * 4 * 8 * 12, f.floats("sample").length);
    }
  }

  /**
   * A sparse file whose data section is 2.25 GiB: a 2 GiB + 8 byte filler, then one real tensor
   * beyond the 2 GiB mark. Only a few hundred bytes are really written.
   */
  @Test
  void readsTensorBeyondTwoGiB() throws IOException {
    long filler = (1L << 31) + 8;
    long tail = 1L << 28; // 256 MiB more filler after the real tensor
    String h =
        "{\"a_filler\":{\"dtype\":\"U8\",\"shape\":[" + filler + "],\"data_offsets\":[0," + filler
            + "]},\"b_far\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + filler + ","
            + (filler + 16) + "]},\"c_tail\":{\"dtype\":\"F16\",\"shape\":[" + tail / 2
            + "],\"data_offsets\":[" + (filler + 16) + "," + (filler + 16 + tail) + "]}}";
    byte[] head = StFiles.raw(h, new byte[0]);
    Path p = dir.resolve("big.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
      raf.write(head);
      raf.setLength(head.length + filler + 16 + tail);
      raf.seek(head.length + filler);
      ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      b.putFloat(1.5f).putFloat(-2).putFloat(1e30f).putFloat(7);
      raf.write(b.array());
    }
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertTrue(f.info("b_far").begin() > Integer.MAX_VALUE);
      assertArrayEquals(new float[] {1.5f, -2, 1e30f, 7}, f.floats("b_far"));
      SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.bytes("a_filler"));
      assertTrue(e.getMessage().contains("over 2 GiB"), e.getMessage());
      assertEquals(tail, f.bytes("c_tail").remaining());
    }
  }

  /** Named corruptions: each must be refused with a message that says what is wrong. */
  @Test
  void refusesCorruptHeadersWithClearMessages() throws IOException {
    String ok = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    byte[] d8 = new byte[8];
    assertRefused(StFiles.raw(ok.replace("0,8", "0,16"), d8), "outside the data section");
    assertRefused(StFiles.raw(ok.replace("[2]", "[3]"), d8), "needs 12");
    assertRefused(StFiles.raw(ok.replace("[2]", "[-2]"), d8), "not a non-negative integer");
    assertRefused(StFiles.raw(ok.replace("[2]", "[2.0]"), d8), "not a non-negative integer");
    assertRefused(StFiles.raw(ok.replace("[2]", "[1e999999999]"), d8), "not a non-negative");
    assertRefused(StFiles.raw(ok.replace("[2]", "[\"2\"]"), d8), "not a number");
    assertRefused(StFiles.raw(ok.replace("[2]", "[99999999999999999999]"), d8), "non-negative");
    assertRefused(
        StFiles.raw(ok.replace("[2]", "[4294967296,4294967296,4294967296]"), d8), "overflows");
    assertRefused(StFiles.raw(ok.replace("F32", "F8_E9"), d8), "unsupported dtype");
    assertRefused(StFiles.raw(ok.replace("0,8", "0,8,9"), d8), "more than 2");
    assertRefused(StFiles.raw(ok.replace("\"dtype\":\"F32\",", ""), d8), "lacks dtype");
    assertRefused(StFiles.raw(ok.substring(0, ok.length() - 1), d8), "not valid JSON");
    assertRefused(StFiles.raw(ok + "x", d8), "after its closing");
    assertRefused(StFiles.raw(ok.replace("\"t\"", "'t'"), d8), "not valid JSON");
    assertRefused(StFiles.raw("[" + ok + "]", d8), "does not start with '{'");
    assertRefused(StFiles.raw(ok, new byte[12]), "trailing bytes");
    assertRefused(
        StFiles.raw(ok.replace("}}", "},\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}"), d8),
        "appears twice");
    assertRefused(
        StFiles.raw(ok.replace("}}", "},\"u\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"), d8),
        "overlap");
    assertRefused(StFiles.raw(ok.replace("[2]", "[1]").replace("0,8", "4,8"), d8), "belong to no tensor");
    assertRefused(
        StFiles.raw(ok.replace("{\"t\"", "{\"__metadata__\":{\"n\":3},\"t\""), d8), "not a string");
    assertRefused(
        StFiles.raw(ok.replace("{\"t\"", "{\"__metadata__\":{\"n\":\"a\",\"n\":\"b\"},\"t\""), d8),
        "appears twice");
    assertRefused(StFiles.raw("{\"t\":{\"extra\":" + "[".repeat(100_000), d8), "not valid JSON");
    byte[] badUtf8 = ok.getBytes(StandardCharsets.UTF_8);
    badUtf8[3] = (byte) 0xC3; // a lead byte followed by ASCII
    assertRefused(StFiles.raw(badUtf8, d8), "not valid UTF-8");
    // Header length fields that lie.
    byte[] huge = StFiles.raw(ok, d8);
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
    assertRefused(huge, "not plausible");
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1 << 20);
    assertRefused(huge, "runs past the end");
    assertRefused(new byte[] {8, 0, 0}, "shorter than the 8-byte header length");
  }

  @Test
  void acceptsWhatTheReferenceAccepts() throws IOException {
    // Trailing-space padding, unknown entry fields, null metadata, zero tensors.
    String h =
        "{\"__metadata__\":null,\"t\":{\"dtype\":\"F32\",\"extra\":{\"x\":[1]},\"shape\":[],"
            + "\"data_offsets\":[0,4]}}   ";
    try (SafetensorsFile f = SafetensorsFile.open(StFiles.write(dir, "a", StFiles.raw(h, new byte[4])))) {
      assertEquals(1, f.floats("t").length);
      assertEquals(0, f.info("t").shape().length);
    }
    try (SafetensorsFile f = SafetensorsFile.open(StFiles.write(dir, "b", StFiles.raw("{}", new byte[0])))) {
      assertTrue(f.keys().isEmpty());
    }
  }

  @Test
  void missingFileNamesThePath() {
    Path p = dir.resolve("absent.safetensors");
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
  }

  @Test
  void readAfterCloseFailsCleanly() throws IOException {
    SafetensorsFile f = SafetensorsFile.open(StFiles.write(dir, "c", StFiles.smallValid(dir)));
    f.close();
    assertThrows(SafetensorsException.class, () -> f.floats("a.weight"));
  }

  private void assertRefused(byte[] file, String expected) throws IOException {
    Path p = StFiles.write(dir, "bad.safetensors", file);
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close(), expected);
    assertTrue(
        e.getMessage().startsWith(p.toString()) && e.getMessage().contains(expected),
        "expected '" + expected + "' in: " + e.getMessage());
    assertFalse(e.getMessage().length() > 2000, "message too long: " + e.getMessage().length());
  }
}
