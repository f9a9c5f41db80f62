package dev.unmasked.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Places where Java's own Unicode handling differs from the Python the reference ran on. Expected
 * strings and ids come from Python 3.11 ({@code str.lower}, {@code regex} 2026.5.9, and a re-typed
 * transformers 4.36 CLIPTokenizer that reproduces all golden cases); see docs/TOKENIZER.md.
 */
class PythonUnicodeTest {

  @Test
  void finalSigmaFollowsCPythonNotJava() {
    // Java's toLowerCase decides this one differently: guard that the difference is real.
    assertEquals("aσ둒g", "AΣ둒G".toLowerCase(Locale.ROOT));
    assertEquals("aς둒g", PythonUnicode.lower("AΣ둒G"));
    assertEquals("i\u0307ς둒gs", PythonUnicode.lower("İΣ둒Gs"));
    assertEquals("aσ'b", PythonUnicode.lower("AΣ'B"));
    assertEquals("aς'", PythonUnicode.lower("AΣ'"));
    assertEquals("a.ς", PythonUnicode.lower("A.Σ"));
    assertEquals("οδος σα", TextCleaner.clean("ΟΔΟΣ ΣΑ"));
  }

  @Test
  void ypogegrammeniSeparatesAndIsDroppedLikePythonRegex() {
    assertEquals(List.of("t", "ss"), PreTokenizer.split("t\u0345ss"));
    assertEquals(List.of("-"), PreTokenizer.split("-\u0345"));
  }

  @Test
  void longSMatchesTheContractionCaseInsensitively() {
    assertEquals(List.of("it", "'\u017F"), PreTokenizer.split("it'\u017F"));
    assertEquals(List.of("it", "'s", "!'", "sam"), PreTokenizer.split("it's!'sam"));
    assertEquals(List.of("<|endoftext|>", "!<|", "x"), PreTokenizer.split("<|endoftext|>!<|x"));
  }

  @Test
  void unicode14EmojiIsKeptNotDroppedAsUnassigned() {
    CLIPTokenizer tok = CLIPTokenizer.defaultClip();
    assertArrayEquals(
        new int[] {49406, 19247, 558, 104, 510, 1710, 49407}, tok.encode("melting \uD83E\uDEE0 face"));
    assertArrayEquals(
        new int[] {49406, 64, 139, 480, 269, 49407}, tok.encode("AΣ."));
  }

  /** On a JDK that knows Unicode 14, its categories must agree with the table. */
  @Test
  void tableOnlyFillsGapsOfThisJdk() {
    int checked = 0;
    for (int cp = 0; cp < 0x110000; cp++) {
      int mine = PythonUnicode.category(cp);
      int jdk = Character.getType(cp);
      if (mine != jdk) {
        boolean gap = jdk == Character.UNASSIGNED || cp == 0x1734; // U+1734: Mn in 13, Mc in 14
        assertTrue(gap, String.format("U+%04X: table says %d, this JDK %d", cp, mine, jdk));
        checked++;
      }
    }
    assertTrue(checked <= 839, "table entries differing from this JDK: " + checked);
  }
}
