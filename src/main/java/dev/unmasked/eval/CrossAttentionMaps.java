package dev.unmasked.eval;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.AttentionObserver;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums cross-attention probabilities over forward passes: for every {@code attn2} layer at {@code
 * side x side} or {@code side/2 x side/2} (the toy UNet's 16x16 and 8x8 layers), the mean over heads,
 * the coarser maps enlarged by nearest neighbour, each layer weighing the same. {@link #mean} divides
 * by the number of layer maps received, so it is the average over layers and passes.
 */
final class CrossAttentionMaps implements AttentionObserver {
  private final int batch;
  private final int side;
  private final float[][] sum; // [B][side*side*T], T = keys (77)
  private final Map<String, Integer> layers = new LinkedHashMap<>();
  private int keys = -1;
  private int received;

  CrossAttentionMaps(int batch, int side) {
    this.batch = batch;
    this.side = side;
    this.sum = new float[batch][];
  }

  @Override
  public boolean wants(String modulePath) {
    return modulePath.endsWith("attn2");
  }

  @Override
  public void onAttention(String modulePath, NDArray probs) {
    long[] s = probs.getShape().getShape(); // [B, heads, HW, T]
    int hw = (int) s[2];
    int layerSide = (int) Math.round(Math.sqrt(hw));
    if (layerSide != side && layerSide * 2 != side) {
      return;
    }
    if (s[0] != batch) {
      throw new IllegalStateException("attention batch " + s[0] + ", expected " + batch);
    }
    int t = (int) s[3];
    if (keys < 0) {
      keys = t;
      for (int b = 0; b < batch; b++) {
        sum[b] = new float[side * side * t];
      }
    }
    layers.putIfAbsent(modulePath, layerSide);
    float[] mean = probs.mean(new int[] {1}).toFloatArray(); // [B, HW, T]
    int factor = side / layerSide;
    for (int b = 0; b < batch; b++) {
      float[] acc = sum[b];
      int off = b * hw * t;
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          int src = off + ((y / factor) * layerSide + x / factor) * t;
          int dst = (y * side + x) * t;
          for (int k = 0; k < t; k++) {
            acc[dst + k] += mean[src + k];
          }
        }
      }
    }
    received++;
  }

  /** Side of the maps (the latent's). */
  int side() {
    return side;
  }

  /** The layers used, with their map sides, in call order. */
  Map<String, Integer> layers() {
    return layers;
  }

  /** Item {@code b}'s averaged map of key {@code token}, {@code [side * side]}. */
  float[] mean(int b, int token) {
    if (received == 0) {
      throw new IllegalStateException("no cross-attention layer at " + side + "x" + side + " or "
          + side / 2 + "x" + side / 2 + " was observed");
    }
    float[] out = new float[side * side];
    for (int p = 0; p < out.length; p++) {
      out[p] = sum[b][p * keys + token] / received;
    }
    return out;
  }

  /** Mean of item {@code b}'s maps over several keys. */
  float[] mean(int b, int[] tokens) {
    float[] out = new float[side * side];
    for (int tok : tokens) {
      float[] m = mean(b, tok);
      for (int p = 0; p < out.length; p++) {
        out[p] += m[p] / tokens.length;
      }
    }
    return out;
  }
}
