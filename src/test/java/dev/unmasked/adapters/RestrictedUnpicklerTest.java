package dev.unmasked.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.UserError;
import dev.unmasked.adapters.RestrictedUnpickler.Tensor;
import dev.unmasked.adapters.RestrictedUnpickler.Tuple;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestrictedUnpicklerTest {
  @TempDir Path tmp;

  @Test
  void readsTheA1111FixtureWithoutTorch() throws Exception {
    Object top = TorchZipFile.load(Interop.ti("a1111_embedding.pt"));
    Map<?, ?> d = (Map<?, ?>) top;
    assertEquals(List.of("string_to_token", "string_to_param", "name", "step", "sd_checkpoint",
        "sd_checkpoint_name"), List.copyOf(d.keySet()));
    assertEquals(Map.of("*", 265L), d.get("string_to_token"));
    assertEquals("tok", d.get("name"));
    assertEquals(500L, d.get("step"));
    assertTrue(d.containsKey("sd_checkpoint") && d.get("sd_checkpoint") == null);
    Tensor t = (Tensor) ((Map<?, ?>) d.get("string_to_param")).get("*");
    assertArrayEquals(new long[] {2, 32}, t.shape());
    float[] golden;
    try (var f = dev.unmasked.io.SafetensorsFile.open(Interop.ti("learned_embeds_2vec.safetensors"))) {
      golden = f.floats("<tok>");
    }
    assertArrayEquals(golden, t.data(), "the same 2 x 32 vectors, bit for bit");
  }

  /** A protocol-2 pickle of {@code (os.system, ("echo pwned",))} reduced: must never run. */
  private static byte[] hostilePickle() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80);
    b.write(2);
    b.writeBytes("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
    b.write('X');
    byte[] cmd = "echo pwned".getBytes(StandardCharsets.UTF_8);
    b.writeBytes(new byte[] {(byte) cmd.length, 0, 0, 0});
    b.writeBytes(cmd);
    b.write(0x85); // TUPLE1
    b.write('R');
    b.write('.');
    return b.toByteArray();
  }

  private Path zip(String name, byte[] pickle) throws Exception {
    Path p = tmp.resolve(name);
    try (OutputStream o = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(o)) {
      z.putNextEntry(new ZipEntry("archive/data.pkl"));
      z.write(pickle);
      z.closeEntry();
      z.putNextEntry(new ZipEntry("archive/version"));
      z.write("3\n".getBytes(StandardCharsets.US_ASCII));
      z.closeEntry();
    }
    return p;
  }

  @Test
  void refusesAnyOtherGlobalNamingTheFileAndTheGlobal() throws Exception {
    Path p = zip("evil.pt", hostilePickle());
    UserError e = assertThrows(UserError.class, () -> TorchZipFile.load(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("'os.system'"), e.getMessage());
    UserError viaReader = assertThrows(UserError.class, () -> EmbeddingFiles.read(p, null));
    assertTrue(viaReader.getMessage().contains("os.system"), viaReader.getMessage());
  }

  @Test
  void refusesUnknownOpcodesAndTruncation() {
    UserError op = assertThrows(UserError.class,
        () -> RestrictedUnpickler.load(new byte[] {(byte) 0x80, 2, 'b', '.'}, "x.pt", null));
    assertTrue(op.getMessage().contains("0x62") && op.getMessage().contains("x.pt"),
        op.getMessage());
    UserError cut = assertThrows(UserError.class,
        () -> RestrictedUnpickler.load(new byte[] {(byte) 0x80, 2, 'X', 9, 0}, "y.pt", null));
    assertTrue(cut.getMessage().contains("y.pt"), cut.getMessage());
  }

  @Test
  void readsPlainValuesAndStridedViews() {
    // {'a': [1, -2, 3.5, True, None], 'b': ('x',)} built by hand with protocol-2 opcodes
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x80, 2, '}', '(', 'X', 1, 0, 0, 0, 'a', ']', '('});
    b.writeBytes(new byte[] {'K', 1, 'J', -2, -1, -1, -1, 'G', 0x40, 0x0c, 0, 0, 0, 0, 0, 0});
    b.writeBytes(new byte[] {(byte) 0x88, 'N', 'e', 'X', 1, 0, 0, 0, 'b', 'X', 1, 0, 0, 0, 'x'});
    b.writeBytes(new byte[] {(byte) 0x85, 'u', '.'});
    Map<?, ?> d = (Map<?, ?>) RestrictedUnpickler.load(b.toByteArray(), "v.pt", null);
    assertEquals(java.util.Arrays.asList(1L, -2L, 3.5, true, null), d.get("a"));
    assertEquals(new Tuple(List.of("x")), d.get("b"));

    // _rebuild_tensor_v2 of a transposed view: storage [0..5] as shape (3, 2), stride (1, 3)
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    t.writeBytes(new byte[] {(byte) 0x80, 2});
    t.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n(".getBytes(StandardCharsets.US_ASCII));
    t.writeBytes(new byte[] {'(', 'X', 7, 0, 0, 0});
    t.writeBytes("storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00007X\u0003\u0000\u0000\u0000cpuK\u0006t"
        .getBytes(StandardCharsets.ISO_8859_1));
    t.writeBytes(new byte[] {'Q', 'K', 0, 'K', 3, 'K', 2, (byte) 0x86, 'K', 1, 'K', 3, (byte) 0x86});
    t.writeBytes(new byte[] {(byte) 0x89, ')', 't', 'R', '.'});
    Tensor x = (Tensor) RestrictedUnpickler.load(t.toByteArray(), "t.pt", (key, n) -> {
      assertEquals("7", key);
      assertEquals(6, n);
      return new float[] {0, 1, 2, 3, 4, 5};
    });
    assertArrayEquals(new long[] {3, 2}, x.shape());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.data());
  }

  @Test
  void refusesNonZipFiles() throws Exception {
    Path p = tmp.resolve("legacy.pt");
    Files.write(p, new byte[] {(byte) 0x80, 2, 'N', '.'});
    UserError e = assertThrows(UserError.class, () -> TorchZipFile.load(p));
    assertTrue(e.getMessage().contains("legacy"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}
