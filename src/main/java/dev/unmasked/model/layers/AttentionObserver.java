package dev.unmasked.model.layers;

import ai.djl.ndarray.NDArray;

/**
 * Receives attention probabilities during a forward pass. {@code probs} is
 * {@code softmax(Q K^T / sqrt(head_dim))} shaped [B, heads, queries, keys] (for a UNet
 * cross-attention: [B, heads, H*W, 77], query index y*W + x). It is the very tensor that multiplies
 * V, so with gradients on it stays in the autograd graph and a loss on it trains whatever produced
 * Q and K (the concept token embeddings).
 */
@FunctionalInterface
public interface AttentionObserver {

  /** Called with the module path, e.g. {@code down_blocks.0.attentions.0.transformer_blocks.0.attn2}. */
  void onAttention(String modulePath, NDArray probs);

  /** Whether this observer wants the layer's probabilities (others are not reshaped or kept). */
  default boolean wants(String modulePath) {
    return true;
  }
}
