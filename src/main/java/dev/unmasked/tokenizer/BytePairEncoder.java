package dev.unmasked.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's byte-pair encoding of one pre-token ({@code CLIPTokenizer.bpe} in transformers): the
 * byte-level characters of a word, the last one carrying {@code </w>}, are merged pair by pair in
 * the order of {@code merges.txt} until no ranked pair is left. Results are cached per word, as
 * transformers does; the cache is bounded so a long-running process cannot grow it without limit.
 * Thread-safe.
 */
final class BytePairEncoder {

  /** transformers reads at most this many merges: {@code [1 : 49152 - 256 - 2 + 1]}. */
  static final int MAX_MERGES = 49152 - 256 - 2;

  static final String END_OF_WORD = "</w>";

  private static final int CACHE_LIMIT = 50_000;

  /** Rank of a merge, keyed by {@code first + ' ' + second} (symbols never contain a space). */
  private final Map<String, Integer> ranks;

  private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

  /** @param ranks from {@link #ranks(List)}; shared, never modified */
  BytePairEncoder(Map<String, Integer> ranks) {
    this.ranks = ranks;
  }

  /**
   * Merge ranks keyed by {@code first + ' ' + second}.
   *
   * @param merges the merge lines after the {@code #version} header, split on whitespace, in file
   *     order; lines that do not split into exactly two symbols keep their number but can never
   *     match, as in transformers
   */
  static Map<String, Integer> ranks(List<String[]> merges) {
    Map<String, Integer> r = new HashMap<>(merges.size() * 2);
    for (int i = 0; i < merges.size(); i++) {
      String[] pair = merges.get(i);
      if (pair.length == 2) {
        r.put(pair[0] + ' ' + pair[1], i); // a repeated merge keeps its last rank, as dict() does
      }
    }
    return Collections.unmodifiableMap(r);
  }

  int mergeCount() {
    return ranks.size();
  }

  /**
   * The BPE symbols of one byte-level pre-token. The literal special tokens
   * {@code <|startoftext|>} and {@code <|endoftext|>} stay whole and get no {@code </w>}, because
   * transformers seeds its cache with them.
   */
  List<String> encode(String token) {
    if (token.equals("<|startoftext|>") || token.equals("<|endoftext|>")) {
      return List.of(token);
    }
    List<String> cached = cache.get(token);
    if (cached != null) {
      return cached;
    }
    List<String> symbols = merge(token);
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear(); // cheap bound; typical prompts reuse a few hundred words
    }
    cache.put(token, symbols);
    return symbols;
  }

  private List<String> merge(String token) {
    List<String> word = new ArrayList<>(token.length());
    for (int i = 0; i < token.length() - 1; i++) {
      word.add(String.valueOf(token.charAt(i)));
    }
    word.add(token.charAt(token.length() - 1) + END_OF_WORD);
    while (word.size() > 1) {
      // The lowest-ranked adjacent pair; ranks are unique, so the choice is the same as Python's min().
      int bestRank = Integer.MAX_VALUE;
      String first = null;
      String second = null;
      for (int i = 0; i < word.size() - 1; i++) {
        Integer rank = ranks.get(word.get(i) + ' ' + word.get(i + 1));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          first = word.get(i);
          second = word.get(i + 1);
        }
      }
      if (first == null) {
        break;
      }
      // Merge every non-overlapping occurrence, scanning left to right.
      List<String> merged = new ArrayList<>(word.size());
      for (int i = 0; i < word.size(); ) {
        if (i < word.size() - 1 && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
          merged.add(first + second);
          i += 2;
        } else {
          merged.add(word.get(i));
          i += 1;
        }
      }
      word = merged;
    }
    return List.copyOf(word);
  }
}
