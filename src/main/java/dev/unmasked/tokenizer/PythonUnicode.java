package dev.unmasked.tokenizer;

/**
 * Unicode facts as Python 3.11 ({@code unicodedata} 14.0.0) sees them, which is what the golden
 * tokenizer data was made with; Java 17 knows Unicode 13.0. The 107 ranges below are every code
 * point whose general category differs between the two (838 characters first assigned in Unicode
 * 14, such as the emoji U+1FAE0..U+1FAE7, plus U+1734 which became a spacing mark). Without them
 * the cleaner would drop those characters as "unassigned" where transformers keeps them. The
 * table was made by comparing {@code unicodedata.category} for all code points with {@code
 * Character.getType} on Java 17; a test checks that a newer JDK agrees with it.
 */
final class PythonUnicode {

  private static final byte CF = Character.FORMAT;
  private static final byte LL = Character.LOWERCASE_LETTER;
  private static final byte LM = Character.MODIFIER_LETTER;
  private static final byte LO = Character.OTHER_LETTER;
  private static final byte LU = Character.UPPERCASE_LETTER;
  private static final byte MC = Character.COMBINING_SPACING_MARK;
  private static final byte MN = Character.NON_SPACING_MARK;
  private static final byte ND = Character.DECIMAL_DIGIT_NUMBER;
  private static final byte PD = Character.DASH_PUNCTUATION;
  private static final byte PE = Character.END_PUNCTUATION;
  private static final byte PO = Character.OTHER_PUNCTUATION;
  private static final byte PS = Character.START_PUNCTUATION;
  private static final byte SC = Character.CURRENCY_SYMBOL;
  private static final byte SK = Character.MODIFIER_SYMBOL;
  private static final byte SO = Character.OTHER_SYMBOL;

  /** (first, last, Python general category) triples, sorted by code point. */
  private static final int[] CATEGORY_14 = {
        0x61D, 0x61D, PO, 0x870, 0x887, LO, 0x888, 0x888, SK, 0x889, 0x88E, LO, 0x890, 0x891, CF,
        0x898, 0x89F, MN, 0x8B5, 0x8B5, LO, 0x8C8, 0x8C8, LO, 0x8C9, 0x8C9, LM, 0x8CA, 0x8D2, MN,
        0xC3C, 0xC3C, MN, 0xC5D, 0xC5D, LO, 0xCDD, 0xCDD, LO, 0x170D, 0x170D, LO,
        0x1715, 0x1715, MC, 0x171F, 0x171F, LO, 0x1734, 0x1734, MC, 0x180F, 0x180F, MN,
        0x1AC1, 0x1ACE, MN, 0x1B4C, 0x1B4C, LO, 0x1B7D, 0x1B7E, PO, 0x1DFA, 0x1DFA, MN,
        0x20C0, 0x20C0, SC, 0x2C2F, 0x2C2F, LU, 0x2C5F, 0x2C5F, LL, 0x2E53, 0x2E54, PO,
        0x2E55, 0x2E55, PS, 0x2E56, 0x2E56, PE, 0x2E57, 0x2E57, PS, 0x2E58, 0x2E58, PE,
        0x2E59, 0x2E59, PS, 0x2E5A, 0x2E5A, PE, 0x2E5B, 0x2E5B, PS, 0x2E5C, 0x2E5C, PE,
        0x2E5D, 0x2E5D, PD, 0x9FFD, 0x9FFF, LO, 0xA7C0, 0xA7C0, LU, 0xA7C1, 0xA7C1, LL,
        0xA7D0, 0xA7D0, LU, 0xA7D1, 0xA7D1, LL, 0xA7D3, 0xA7D3, LL, 0xA7D5, 0xA7D5, LL,
        0xA7D6, 0xA7D6, LU, 0xA7D7, 0xA7D7, LL, 0xA7D8, 0xA7D8, LU, 0xA7D9, 0xA7D9, LL,
        0xA7F2, 0xA7F4, LM, 0xFBC2, 0xFBC2, SK, 0xFD40, 0xFD4F, SO, 0xFDCF, 0xFDCF, SO,
        0xFDFE, 0xFDFF, SO, 0x10570, 0x1057A, LU, 0x1057C, 0x1058A, LU, 0x1058C, 0x10592, LU,
        0x10594, 0x10595, LU, 0x10597, 0x105A1, LL, 0x105A3, 0x105B1, LL, 0x105B3, 0x105B9, LL,
        0x105BB, 0x105BC, LL, 0x10780, 0x10785, LM, 0x10787, 0x107B0, LM, 0x107B2, 0x107BA, LM,
        0x10F70, 0x10F81, LO, 0x10F82, 0x10F85, MN, 0x10F86, 0x10F89, PO, 0x11070, 0x11070, MN,
        0x11071, 0x11072, LO, 0x11073, 0x11074, MN, 0x11075, 0x11075, LO, 0x110C2, 0x110C2, MN,
        0x116B9, 0x116B9, PO, 0x11740, 0x11746, LO, 0x11AB0, 0x11ABF, LO, 0x12F90, 0x12FF0, LO,
        0x12FF1, 0x12FF2, PO, 0x16A70, 0x16ABE, LO, 0x16AC0, 0x16AC9, ND, 0x1AFF0, 0x1AFF3, LM,
        0x1AFF5, 0x1AFFB, LM, 0x1AFFD, 0x1AFFE, LM, 0x1B11F, 0x1B122, LO, 0x1CF00, 0x1CF2D, MN,
        0x1CF30, 0x1CF46, MN, 0x1CF50, 0x1CFC3, SO, 0x1D1E9, 0x1D1EA, SO, 0x1DF00, 0x1DF09, LL,
        0x1DF0A, 0x1DF0A, LO, 0x1DF0B, 0x1DF1E, LL, 0x1E290, 0x1E2AD, LO, 0x1E2AE, 0x1E2AE, MN,
        0x1E7E0, 0x1E7E6, LO, 0x1E7E8, 0x1E7EB, LO, 0x1E7ED, 0x1E7EE, LO, 0x1E7F0, 0x1E7FE, LO,
        0x1F6DD, 0x1F6DF, SO, 0x1F7F0, 0x1F7F0, SO, 0x1F979, 0x1F979, SO, 0x1F9CC, 0x1F9CC, SO,
        0x1FA7B, 0x1FA7C, SO, 0x1FAA9, 0x1FAAC, SO, 0x1FAB7, 0x1FABA, SO, 0x1FAC3, 0x1FAC5, SO,
        0x1FAD7, 0x1FAD9, SO, 0x1FAE0, 0x1FAE7, SO, 0x1FAF0, 0x1FAF6, SO, 0x2A6DE, 0x2A6DF, LO,
        0x2B735, 0x2B738, LO
  };

  /** (first, last, offset to the lower-case letter) for upper-case letters new in Unicode 14. */
  private static final int[] LOWER_14 = {
    0x2C2F, 0x2C2F, 48, 0xA7C0, 0xA7C0, 1, 0xA7D0, 0xA7D0, 1, 0xA7D6, 0xA7D6, 1,
    0xA7D8, 0xA7D8, 1, 0x10570, 0x1057A, 39, 0x1057C, 0x1058A, 39, 0x1058C, 0x10592, 39,
    0x10594, 0x10595, 39
  };

  private PythonUnicode() {}

  /** The general category as a {@link Character#getType} constant, per Unicode 14. */
  static int category(int cp) {
    int i = find(CATEGORY_14, cp);
    return i >= 0 ? CATEGORY_14[i + 2] : Character.getType(cp);
  }

  static boolean isLetter(int cp) {
    int t = category(cp);
    return t == Character.UPPERCASE_LETTER
        || t == Character.LOWERCASE_LETTER
        || t == Character.TITLECASE_LETTER
        || t == Character.MODIFIER_LETTER
        || t == Character.OTHER_LETTER;
  }

  static boolean isNumber(int cp) {
    int t = category(cp);
    return t == Character.DECIMAL_DIGIT_NUMBER
        || t == Character.LETTER_NUMBER
        || t == Character.OTHER_NUMBER;
  }

  /** The Unicode White_Space property ({@code \s} of Python's {@code regex}). */
  static boolean isWhiteSpace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
        || cp == 0x205F || cp == 0x3000;
  }

  /**
   * Python's {@code str.lower()}: the simple lower-case mapping, except U+0130 (to "i" + U+0307)
   * and capital sigma, which becomes final sigma at the end of a word (Unicode's Final_Sigma
   * context, as CPython's {@code handle_capital_sigma} tests it). Java's {@code toLowerCase}
   * decides final sigma with a different context rule, hence this method.
   */
  static String lower(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (cp == 0x130) {
        out.append("i\u0307");
      } else if (cp == 0x3A3) {
        out.append(isFinalSigma(s, i) ? '\u03C2' : '\u03C3');
      } else {
        int j = find(LOWER_14, cp);
        out.appendCodePoint(j >= 0 ? cp + LOWER_14[j + 2] : Character.toLowerCase(cp));
      }
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  // \p{cased} \p{case-ignorable}* SIGMA !( \p{case-ignorable}* \p{cased} )
  private static boolean isFinalSigma(String s, int at) {
    int j = at;
    int before = -1;
    while (j > 0) {
      int cp = s.codePointBefore(j);
      j -= Character.charCount(cp);
      if (!isCaseIgnorable(cp)) {
        before = cp;
        break;
      }
    }
    if (before < 0 || !isCased(before)) {
      return false;
    }
    for (j = at + 1; j < s.length(); ) {
      int cp = s.codePointAt(j);
      if (!isCaseIgnorable(cp)) {
        return !isCased(cp);
      }
      j += Character.charCount(cp);
    }
    return true;
  }

  static boolean isCased(int cp) {
    int t = category(cp);
    return Character.isLowerCase(cp)
        || Character.isUpperCase(cp)
        || t == Character.TITLECASE_LETTER
        || t == Character.LOWERCASE_LETTER
        || t == Character.UPPERCASE_LETTER;
  }

  // Case_Ignorable: Mn, Me, Cf, Lm, Sk, or Word_Break MidLetter / MidNumLet / Single_Quote.
  static boolean isCaseIgnorable(int cp) {
    int t = category(cp);
    if (t == Character.NON_SPACING_MARK
        || t == Character.ENCLOSING_MARK
        || t == Character.FORMAT
        || t == Character.MODIFIER_LETTER
        || t == Character.MODIFIER_SYMBOL) {
      return true;
    }
    switch (cp) {
      case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13,
          0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
        return true;
      default:
        return false;
    }
  }

  // Binary search over (first, last, value) triples; the index of the triple or -1.
  private static int find(int[] table, int cp) {
    int lo = 0;
    int hi = table.length / 3 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < table[3 * mid]) {
        hi = mid - 1;
      } else if (cp > table[3 * mid + 1]) {
        lo = mid + 1;
      } else {
        return 3 * mid;
      }
    }
    return -1;
  }
}
