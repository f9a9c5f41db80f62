package dev.unmasked.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * CLIP's pre-tokenizer regex, matched as transformers matches it with Python's {@code regex}
 * module and {@code IGNORECASE}:
 *
 * <pre>
 * &lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 * </pre>
 *
 * <p>Written out by hand rather than with {@code java.util.regex} for two exact-match reasons:
 * letters and numbers follow Python's Unicode 14 categories ({@link PythonUnicode}); and under
 * {@code IGNORECASE} Python's {@code regex} lets U+0345 (combining ypogegrammeni, whose upper case
 * is a letter) match neither {@code [\p{L}]} nor the negated class, so it separates pieces and is
 * dropped, while Java would keep it. Case-insensitive literals only matter for characters that
 * survive lower-casing: {@code ſ} (U+017F) matches {@code s}, as in Python.
 */
final class PreTokenizer {

  private static final String[] LITERALS = {
    "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"
  };

  private PreTokenizer() {}

  /** The matches of the pattern in {@code text}, in order (Python's {@code re.findall}). */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      int literal = literalAt(text, i);
      if (literal > 0) {
        out.add(text.substring(i, i + literal));
        i += literal;
        continue;
      }
      int cp = text.codePointAt(i);
      if (PythonUnicode.isLetter(cp)) {
        int end = i;
        while (end < n && PythonUnicode.isLetter(text.codePointAt(end))) {
          end += Character.charCount(text.codePointAt(end));
        }
        out.add(text.substring(i, end));
        i = end;
      } else if (PythonUnicode.isNumber(cp)) {
        out.add(new String(Character.toChars(cp)));
        i += Character.charCount(cp);
      } else if (isOther(cp)) {
        int end = i;
        while (end < n && isOther(text.codePointAt(end))) {
          end += Character.charCount(text.codePointAt(end));
        }
        out.add(text.substring(i, end));
        i = end;
      } else {
        i += Character.charCount(cp); // white space, or U+0345: no alternative matches here
      }
    }
    return out;
  }

  // [^\s\p{L}\p{N}] under IGNORECASE.
  private static boolean isOther(int cp) {
    return cp != 0x345
        && !PythonUnicode.isWhiteSpace(cp)
        && !PythonUnicode.isLetter(cp)
        && !PythonUnicode.isNumber(cp);
  }

  // Length of the first literal alternative matching at i, or 0.
  private static int literalAt(String text, int i) {
    char c = text.charAt(i);
    if (c != '<' && c != '\'') {
      return 0;
    }
    for (String lit : LITERALS) {
      if (lit.charAt(0) == c && matchesIgnoreCase(text, i, lit)) {
        return lit.length();
      }
    }
    return 0;
  }

  private static boolean matchesIgnoreCase(String text, int at, String literal) {
    if (at + literal.length() > text.length()) {
      return false;
    }
    for (int k = 0; k < literal.length(); k++) {
      char t = text.charAt(at + k);
      char l = literal.charAt(k);
      boolean same =
          t == l
              || (Character.isLetter(l) && t == Character.toUpperCase(l))
              || (l == 's' && t == '\u017F');
      if (!same) {
        return false;
      }
    }
    return true;
  }
}
