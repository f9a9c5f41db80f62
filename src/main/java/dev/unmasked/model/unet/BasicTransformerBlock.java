package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.Attention;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.nn.LayerNormLayer;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;

/**
 * diffusers {@code BasicTransformerBlock} as SD uses it: self-attention (attn1), cross-attention to
 * the text (attn2), and a GEGLU feed-forward, each pre-LayerNorm with a residual.
 */
final class BasicTransformerBlock {
  private final LayerNormLayer norm1;
  private final Attention attn1;
  private final LayerNormLayer norm2;
  private final Attention attn2;
  private final LayerNormLayer norm3;
  private final LinearLayer ffProj; // ff.net.0.proj: dim -> 2 * 4 * dim (GEGLU)
  private final LinearLayer ffOut; // ff.net.2: 4 * dim -> dim

  BasicTransformerBlock(Params p, String prefix, long dim, int heads, long dimHead, long crossDim) {
    float eps = 1e-5f;
    this.norm1 = LayerNormLayer.load(p, prefix + ".norm1", dim, eps);
    this.attn1 = new Attention(p, prefix + ".attn1", dim, 0, heads, dimHead, false, 0, 0, false);
    this.norm2 = LayerNormLayer.load(p, prefix + ".norm2", dim, eps);
    this.attn2 = new Attention(p, prefix + ".attn2", dim, crossDim, heads, dimHead, false, 0, 0,
        false);
    this.norm3 = LayerNormLayer.load(p, prefix + ".norm3", dim, eps);
    long inner = 4 * dim;
    this.ffProj = LinearLayer.load(p, prefix + ".ff.net.0.proj", dim, 2 * inner, true);
    this.ffOut = LinearLayer.load(p, prefix + ".ff.net.2", inner, dim, true);
  }

  /** x [B, HW, dim], context [B, 77, crossDim] -> [B, HW, dim]. */
  NDArray forward(NDArray x, NDArray context, AttentionObserver observer) {
    x = attn1.forward(norm1.forward(x), null, observer).add(x);
    x = attn2.forward(norm2.forward(x), context, observer).add(x);
    NDArray afterAttn = x;
    return dev.unmasked.nn.Scopes.run(() -> {
      NDArray proj = ffProj.forward(norm3.forward(afterAttn)); // [B, HW, 2*inner]
      NDArray[] halves = Ops.chunk2(proj); // hidden, gate
      NDArray hidden = halves[0];
      NDArray gate = halves[1];
      return ffOut.forward(hidden.mul(Ops.gelu(gate))).add(afterAttn);
    });
  }
}
