package dev.unmasked.tokenizer;

/**
 * A token matched literally in the raw text before any cleanup and never split by BPE
 * (transformers' {@code AddedToken} as the slow tokenizer uses it). Special tokens (bos, eos, unk,
 * pad) are added tokens too; so are concept placeholders such as {@code <v1>}.
 *
 * @param content the exact, case-sensitive text that is matched
 * @param id the token id
 * @param special whether it is a special token (skipped by {@code decode(ids, true)})
 * @param lstrip whether the match also eats whitespace on its left
 * @param rstrip whether the match also eats whitespace on its right
 * @param singleWord whether it only counts when not glued to a neighbouring word
 */
public record AddedToken(
    String content, int id, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {

  public AddedToken {
    if (content == null || content.isEmpty()) {
      throw new IllegalArgumentException("an added token must have non-empty content");
    }
    if (id < 0) {
      throw new IllegalArgumentException("token id must be >= 0, got " + id + " for " + content);
    }
  }

  /** A plain (non-special) token as {@code tokenizer.add_tokens([...])} creates it. */
  static AddedToken plain(String content, int id) {
    return new AddedToken(content, id, false, false, false, false);
  }
}
