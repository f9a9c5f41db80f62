package dev.unmasked.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The text cleanup transformers' slow {@code CLIPTokenizer} applies when ftfy is not installed:
 * {@code " ".join(BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize(text))}.
 *
 * <p>Steps, in BasicTokenizer's order: drop NUL, U+FFFD and every character of a Unicode "C"
 * category except tab/newline/CR; turn tab, newline, CR and "Zs" spaces into a space; put spaces
 * around CJK ideographs; NFC; split on Python whitespace; lower-case each piece (Python
 * {@code str.lower}, see {@link PythonUnicode#lower}); join with single spaces. Accents are kept
 * and punctuation is not split. Categories are Python 3.11's (Unicode 14), see {@link
 * PythonUnicode}.
 */
final class TextCleaner {

  private TextCleaner() {}

  static String clean(String text) {
    StringBuilder spaced = new StringBuilder(text.length() + 8);
    text.codePoints()
        .forEach(
            cp -> {
              if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
              }
              if (isWhitespace(cp)) {
                spaced.append(' ');
              } else if (isCjkIdeograph(cp)) {
                spaced.append(' ').appendCodePoint(cp).append(' ');
              } else {
                spaced.appendCodePoint(cp);
              }
            });
    String normalized = Normalizer.normalize(spaced, Normalizer.Form.NFC);
    StringBuilder out = new StringBuilder(normalized.length());
    for (String piece : splitPythonWhitespace(normalized)) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(PythonUnicode.lower(piece));
    }
    return out.toString();
  }

  /** BasicTokenizer's {@code _is_whitespace}: space, tab, newline, CR, or category Zs. */
  static boolean isWhitespace(int cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'
        || PythonUnicode.category(cp) == Character.SPACE_SEPARATOR;
  }

  /** BasicTokenizer's {@code _is_control}: any "C" category (Cc, Cf, Cs, Co, Cn) but \t \n \r. */
  static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int type = PythonUnicode.category(cp);
    return type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.SURROGATE
        || type == Character.PRIVATE_USE
        || type == Character.UNASSIGNED;
  }

  /** BasicTokenizer's {@code _is_chinese_char}: the CJK Unified Ideograph blocks. */
  static boolean isCjkIdeograph(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }

  /**
   * Python's {@code str.split()} with no argument. After the cleanup above only the space and the
   * line/paragraph separators U+2028/U+2029 can still count as whitespace there, but the whole
   * {@code str.isspace} set is tested so this does not depend on that reasoning.
   */
  static List<String> splitPythonWhitespace(String text) {
    List<String> pieces = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (isPythonSpace(cp)) {
        if (start >= 0) {
          pieces.add(text.substring(start, i));
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  /** Python's {@code str.strip()}: removes {@link #isPythonSpace} characters at both ends. */
  static String stripPython(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isPythonSpace(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && isPythonSpace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  /** Python's {@code str.isspace} for one code point (bidi class WS, B or S, or category Zs). */
  static boolean isPythonSpace(int cp) {
    if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85) {
      return true;
    }
    int type = PythonUnicode.category(cp);
    return type == Character.SPACE_SEPARATOR
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }
}
