package dev.unmasked.tokenizer;

/**
 * A prompt as the text encoder receives it, and what truncation cut away.
 *
 * @param inputIds {@code [modelMaxLength]} ids: bos, at most {@code modelMaxLength - 2} prompt
 *     tokens, eos, then the pad id (transformers' {@code padding="max_length", truncation=True})
 * @param used positions holding bos, prompt tokens and eos (the rest is padding), at most {@code
 *     modelMaxLength}
 * @param droppedIds prompt tokens cut off by truncation, in order; empty when the prompt fits
 * @param droppedText those tokens decoded back to text, for a warning; empty when none
 */
public record PromptEncoding(int[] inputIds, int used, int[] droppedIds, String droppedText) {

  /** Whether the prompt was longer than the model's context and lost {@link #droppedIds}. */
  public boolean truncated() {
    return droppedIds.length > 0;
  }

  /** Positions in {@link #inputIds} (before padding) holding {@code tokenId}, e.g. a {@code <v1>}. */
  public int[] positionsOf(int tokenId) {
    return java.util.stream.IntStream.range(0, used).filter(i -> inputIds[i] == tokenId).toArray();
  }
}
