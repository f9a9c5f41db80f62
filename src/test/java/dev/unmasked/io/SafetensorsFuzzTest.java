package dev.unmasked.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated corruptions of a small valid file: every truncation, and seeded random header
 * mutations. Each must either open and read back consistently or fail with a {@link
 * SafetensorsException}; any other exception (or error) escaping is a bug.
 */
class SafetensorsFuzzTest {
  @TempDir(factory = ScratchDirs.class) Path dir;

  private static final int MUTATIONS = 3000;
  private static final long SEED = 20240611L;
  private static final String[] NUMBERS = {
    "-1", "0", "1", "1.5", "1e3", "-0", "08", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "4294967296", "2147483648", "1E400", "99999999999999999999999999999"
  };

  @Test
  void everyTruncationFailsCleanly() throws IOException {
    byte[] full = StFiles.smallValid(dir);
    Path p = dir.resolve("t.safetensors");
    for (int len = 0; len < full.length; len++) {
      Files.write(p, Arrays.copyOf(full, len));
      try (SafetensorsFile f = SafetensorsFile.open(p)) {
        fail("truncated to " + len + " of " + full.length + " bytes but opened with " + f.keys());
      } catch (SafetensorsException expected) {
        assertTrue(expected.getMessage().startsWith(p.toString()), expected.getMessage());
      } catch (RuntimeException | Error e) {
        throw new AssertionError("truncated to " + len + ": wrong exception " + e, e);
      }
    }
    Files.write(p, full);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      checkConsistent(f, full.length);
      assertArrayEquals(new float[] {1, -2, 3.5f, 4, 5, 6}, f.floats("a.weight"));
    }
  }

  @Test
  void randomHeaderMutationsOpenConsistentlyOrFailCleanly() throws IOException {
    byte[] valid = StFiles.smallValid(dir);
    int headerLen = (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    SplittableRandom rnd = new SplittableRandom(SEED);
    Path p = dir.resolve("m.safetensors");
    int opened = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] m = mutate(valid, headerLen, rnd);
      Files.write(p, m);
      try (SafetensorsFile f = SafetensorsFile.open(p)) {
        checkConsistent(f, m.length);
        opened++;
      } catch (SafetensorsException expected) {
        assertTrue(expected.getMessage().startsWith(p.toString()), expected.getMessage());
      } catch (RuntimeException | Error e) {
        throw new AssertionError(
            "mutation " + i + " (seed " + SEED + ") escaped with " + e + "; header: "
                + new String(m, 8, Math.min(m.length - 8, headerLen + 8), StandardCharsets.ISO_8859_1),
            e);
      }
    }
    // Some mutations are harmless (a flipped padding space, a metadata letter): both paths ran.
    assertTrue(opened > 0 && opened < MUTATIONS, "opened " + opened + " of " + MUTATIONS);
  }

  /** One random change to the header (or its length field, or the data size). */
  private static byte[] mutate(byte[] valid, int headerLen, SplittableRandom rnd) {
    byte[] m = valid.clone();
    String header = new String(m, 8, headerLen, StandardCharsets.ISO_8859_1);
    switch (rnd.nextInt(7)) {
      case 0 -> m[8 + rnd.nextInt(headerLen)] = (byte) rnd.nextInt(256); // any byte
      case 1 -> { // change a digit (offsets, shapes)
        int pos = randomIndexOf(header, "0123456789", rnd);
        if (pos >= 0) {
          m[8 + pos] = (byte) ('0' + rnd.nextInt(10));
        }
      }
      case 2 -> { // replace a whole number by an awkward one (header length adjusted)
        int pos = randomIndexOf(header, "0123456789", rnd);
        if (pos >= 0) {
          int a = pos;
          int b = pos;
          while (a > 0 && Character.isDigit(header.charAt(a - 1))) a--;
          while (b < header.length() && Character.isDigit(header.charAt(b))) b++;
          String h = header.substring(0, a) + NUMBERS[rnd.nextInt(NUMBERS.length)] + header.substring(b);
          return rebuild(h, valid, 8 + headerLen);
        }
      }
      case 3 -> { // swap in a structural character
        String structural = "{}[]\",: ";
        m[8 + rnd.nextInt(headerLen)] = (byte) structural.charAt(rnd.nextInt(structural.length()));
      }
      case 4 -> { // delete or duplicate a span, header length adjusted
        int a = rnd.nextInt(headerLen);
        int b = Math.min(headerLen, a + 1 + rnd.nextInt(12));
        String h =
            rnd.nextBoolean()
                ? header.substring(0, a) + header.substring(b)
                : header.substring(0, b) + header.substring(a, b) + header.substring(b);
        return rebuild(h, valid, 8 + headerLen);
      }
      case 5 -> { // lie in the length field
        long len =
            switch (rnd.nextInt(3)) {
              case 0 -> headerLen + rnd.nextInt(-16, 17);
              case 1 -> rnd.nextLong();
              default -> rnd.nextLong(0, 1L << 40);
            };
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
      }
      default -> { // grow or shrink the data section
        int delta = rnd.nextInt(-8, 9);
        return Arrays.copyOf(m, Math.max(0, m.length + delta));
      }
    }
    return m;
  }

  private static int randomIndexOf(String s, String chars, SplittableRandom rnd) {
    int[] hits = new int[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) hits[n++] = i;
    }
    return n == 0 ? -1 : hits[rnd.nextInt(n)];
  }

  private static byte[] rebuild(String header, byte[] valid, int dataStart) {
    byte[] data = Arrays.copyOfRange(valid, dataStart, valid.length);
    return StFiles.raw(header.getBytes(StandardCharsets.ISO_8859_1), data);
  }

  /** Everything an opened file promises must hold when its tensors are actually read. */
  private static void checkConsistent(SafetensorsFile f, long fileSize) throws SafetensorsException {
    long total = 0;
    for (String k : f.keys()) {
      TensorInfo t = f.info(k);
      assertEquals(t.numel() * t.dtype().bytes(), t.byteLength(), k);
      assertEquals(t.byteLength(), f.bytes(k).remaining(), k);
      assertEquals(t.numel(), f.floats(k).length, k);
      if (t.dtype().isFloating()) {
        assertEquals(t.numel(), f.doubles(k).length, k);
      } else {
        assertEquals(t.numel(), f.longs(k).length, k);
      }
      total += t.byteLength();
    }
    assertTrue(total <= fileSize, "tensors claim more bytes than the file has");
    assertTrue(f.metadata() != null);
  }
}
