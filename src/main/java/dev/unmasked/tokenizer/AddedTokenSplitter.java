package dev.unmasked.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts raw text around added tokens, as transformers' {@code Trie.split} followed by the
 * lstrip/rstrip/single_word handling in {@code PreTrainedTokenizer.tokenize}. Matching is exact
 * and case-sensitive, leftmost first and, among matches starting at the same place, longest first.
 * Immutable.
 */
final class AddedTokenSplitter {

  /** One piece of the input: either plain text for BPE or an added token. */
  record Piece(String text, AddedToken token) {
    boolean isAdded() {
      return token != null;
    }
  }

  private static final class Node {
    final Map<Character, Node> next = new HashMap<>();
    AddedToken token;
  }

  private final Node root = new Node();
  private final Map<String, AddedToken> byContent = new HashMap<>();

  AddedTokenSplitter(Collection<AddedToken> tokens) {
    for (AddedToken t : tokens) {
      Node n = root;
      for (int i = 0; i < t.content().length(); i++) {
        n = n.next.computeIfAbsent(t.content().charAt(i), c -> new Node());
      }
      n.token = t;
      byContent.put(t.content(), t);
    }
  }

  /** The pieces of {@code text} in order; empty pieces are dropped. */
  List<Piece> split(String text) {
    List<String> parts = cut(text);
    applyStripRules(parts);
    List<Piece> pieces = new ArrayList<>(parts.size());
    for (String part : parts) {
      if (!part.isEmpty()) {
        pieces.add(new Piece(part, byContent.get(part)));
      }
    }
    return pieces;
  }

  // Leftmost-longest cut; never yields empty strings (like Trie.cut_text).
  private List<String> cut(String text) {
    List<String> parts = new ArrayList<>();
    if (byContent.isEmpty()) {
      parts.add(text);
      return parts;
    }
    int textStart = 0;
    int i = 0;
    while (i < text.length()) {
      int end = longestMatchEnd(text, i);
      if (end < 0) {
        i++;
        continue;
      }
      if (i > textStart) {
        parts.add(text.substring(textStart, i));
      }
      parts.add(text.substring(i, end));
      textStart = end;
      i = end;
    }
    if (textStart < text.length()) {
      parts.add(text.substring(textStart));
    }
    return parts;
  }

  private int longestMatchEnd(String text, int start) {
    Node n = root;
    int best = -1;
    for (int j = start; j < text.length(); j++) {
      n = n.next.get(text.charAt(j));
      if (n == null) {
        break;
      }
      if (n.token != null) {
        best = j + 1;
      }
    }
    return best;
  }

  // PreTrainedTokenizer.tokenize, transformers 4.36: neighbours are edited in place, in order.
  private void applyStripRules(List<String> parts) {
    for (int i = 0; i < parts.size(); i++) {
      AddedToken t = byContent.get(parts.get(i));
      if (t == null) {
        continue;
      }
      String left = i > 0 ? parts.get(i - 1) : null;
      String right = i < parts.size() - 1 ? parts.get(i + 1) : null;
      if (t.rstrip() && right != null && !right.isEmpty()) {
        parts.set(i + 1, stripLeading(right));
      }
      if (t.lstrip() && left != null && !left.isEmpty()) {
        parts.set(i - 1, stripTrailing(left));
      }
      if (t.singleWord() && left != null && !left.isEmpty() && !left.endsWith(" ")) {
        parts.set(i - 1, parts.get(i - 1) + parts.get(i));
        parts.set(i, "");
      } else if (t.singleWord() && right != null && !right.isEmpty() && !right.startsWith(" ")) {
        parts.set(i, parts.get(i) + parts.get(i + 1));
        parts.set(i + 1, "");
      }
    }
  }

  private static String stripLeading(String s) {
    int i = 0;
    while (i < s.length() && TextCleaner.isPythonSpace(s.codePointAt(i))) {
      i += Character.charCount(s.codePointAt(i));
    }
    return s.substring(i);
  }

  private static String stripTrailing(String s) {
    int end = s.length();
    while (end > 0 && TextCleaner.isPythonSpace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(0, end);
  }
}
