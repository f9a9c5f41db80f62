package dev.unmasked.toyworld;

import java.util.List;

/**
 * Caption grammar: {@code a striped red star and a blue circle on the sand}; three objects read
 * {@code a X, a Y and a Z ...}; "an" before a vowel; plain is not spoken. The object order is given
 * by the caller (the sampler shuffles it).
 */
public final class Caption {

  private Caption() {}

  /** Caption for objects in the given (spoken) order. */
  public static String of(List<Triple> spoken, Background background) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < spoken.size(); i++) {
      if (i > 0) {
        sb.append(i == spoken.size() - 1 ? " and " : ", ");
      }
      String phrase = spoken.get(i).phrase();
      sb.append(startsWithVowel(phrase) ? "an " : "a ").append(phrase);
    }
    return sb.append(' ').append(background.phrase()).toString();
  }

  private static boolean startsWithVowel(String s) {
    return "aeiou".indexOf(s.charAt(0)) >= 0;
  }
}
