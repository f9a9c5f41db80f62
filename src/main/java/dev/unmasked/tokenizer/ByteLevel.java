package dev.unmasked.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character table ({@code bytes_to_unicode} in transformers'
 * {@code tokenization_clip.py} and openai CLIP's {@code simple_tokenizer.py}). Every UTF-8 byte of a
 * pre-token is shown as one printable character, so the BPE vocabulary never contains spaces or
 * control characters. All 256 characters lie in the BMP (U+0021..U+0143), so one byte is one Java
 * {@code char}.
 */
final class ByteLevel {

  private static final char[] BYTE_TO_CHAR = buildTable();
  private static final int[] CHAR_TO_BYTE = invert(BYTE_TO_CHAR);

  private ByteLevel() {}

  /** The UTF-8 bytes of {@code text}, each replaced by its table character. */
  static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(out);
  }

  /**
   * Inverse of {@link #encode}: table characters back to bytes, then UTF-8 with malformed
   * sequences replaced by U+FFFD (transformers decodes with {@code errors="replace"}). Characters
   * outside the table (only possible in hand-made vocabularies) keep their own UTF-8 bytes instead
   * of failing as Python's {@code KeyError} would.
   */
  static String decode(String symbols) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(symbols.length());
    for (int i = 0; i < symbols.length(); ) {
      int cp = symbols.codePointAt(i);
      i += Character.charCount(cp);
      int b = cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
      if (b >= 0) {
        bytes.write(b);
      } else {
        bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
      }
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes.toByteArray()));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("UTF-8 decoder set to REPLACE threw", e);
    }
  }

  /** The character standing for byte {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b];
  }

  // Printable Latin-1 bytes map to themselves; the other 68 bytes take U+0100.. in byte order.
  private static char[] buildTable() {
    char[] table = new char[256];
    boolean[] kept = new boolean[256];
    for (int b = 0; b < 256; b++) {
      kept[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
    int next = 256;
    for (int b = 0; b < 256; b++) {
      table[b] = (char) (kept[b] ? b : next++);
    }
    return table;
  }

  private static int[] invert(char[] table) {
    int[] inverse = new int[512];
    java.util.Arrays.fill(inverse, -1);
    for (int b = 0; b < table.length; b++) {
      inverse[table[b]] = b;
    }
    return inverse;
  }
}
