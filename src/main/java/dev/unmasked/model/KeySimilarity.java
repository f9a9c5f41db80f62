package dev.unmasked.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Finds the existing weight name nearest to a missing one, for error messages: most dot-separated
 * segments in common at the end ({@code ...conv1.weight}), then the smallest edit distance. Runs only
 * when loading has already failed, so it favours clarity over speed (bounded to 5000 candidates).
 */
final class KeySimilarity {
  private static final int MAX_CANDIDATES = 5000;

  private KeySimilarity() {}

  /** The closest key, or null when nothing is close enough to be a useful hint. */
  static String closest(String key, Collection<String> keys) {
    String[] segs = key.split("\\.");
    int best = 0;
    List<String> candidates = new ArrayList<>();
    for (String k : keys) {
      int s = commonSuffixSegments(segs, k.split("\\."));
      if (s > best) {
        best = s;
        candidates.clear();
      }
      if (s == best && candidates.size() < MAX_CANDIDATES) { // best 0: every key (a typo'd suffix)
        candidates.add(k);
      }
    }
    String choice = null;
    int dist = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = levenshtein(key, c);
      if (d < dist) {
        dist = d;
        choice = c;
      }
    }
    if (choice == null) {
      return null;
    }
    return best >= 2 || dist <= Math.max(2, key.length() / 5) ? choice : null;
  }

  private static int commonSuffixSegments(String[] a, String[] b) {
    int n = 0;
    while (n < a.length && n < b.length && a[a.length - 1 - n].equals(b[b.length - 1 - n])) {
      n++;
    }
    return n;
  }

  static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
