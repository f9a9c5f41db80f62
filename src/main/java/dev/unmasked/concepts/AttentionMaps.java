package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.nn.Ops;
import java.util.List;

/**
 * Collects, during one UNet forward pass, each selected token's cross-attention map: the layer's
 * probabilities [B, heads, H*W, 77] averaged over heads, the token's column picked (by a one-hot
 * selection [B, 77, K], so each sample may have its tokens at other positions), resized (nearest) to
 * the largest selected resolution and averaged over the layers. With gradients on, the result stays
 * in the autograd graph (the probabilities are the ones that multiply V), so a loss on it trains the
 * token embeddings.
 */
final class AttentionMaps implements AttentionObserver {
  private final List<Integer> sides;
  private final boolean includeMid;
  private final NDArray select; // [B, 77, K]
  private final int target;
  private NDArray sum; // [B, K, target, target]
  private int layers;

  /**
   * @param positions per sample, the token position of each of its K maps (-1: none)
   * @param sides resolutions (map sides) to read, e.g. 16 and 8
   */
  AttentionMaps(NDManager m, int[][] positions, int k, List<Integer> sides, boolean includeMid) {
    this(m, positions, k, sides, includeMid, ai.djl.ndarray.types.DataType.FLOAT32);
  }

  AttentionMaps(NDManager m, int[][] positions, int k, List<Integer> sides, boolean includeMid,
      ai.djl.ndarray.types.DataType dtype) {
    this.sides = sides;
    this.includeMid = includeMid;
    this.target = sides.stream().mapToInt(Integer::intValue).max().orElseThrow();
    int b = positions.length;
    float[] sel = new float[b * 77 * k];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < k; j++) {
        int pos = j < positions[i].length ? positions[i][j] : -1;
        if (pos >= 0) {
          sel[(i * 77 + pos) * k + j] = 1f;
        }
      }
    }
    NDArray selection = m.create(sel, new Shape(b, 77, k));
    this.select = dtype == selection.getDataType() ? selection : selection.toType(dtype, false);
  }

  @Override
  public boolean wants(String modulePath) {
    return modulePath.endsWith("attn2") && (includeMid || !modulePath.startsWith("mid_block"));
  }

  @Override
  public void onAttention(String modulePath, NDArray probs) {
    long hw = probs.getShape().get(2);
    int side = (int) Math.round(Math.sqrt(hw));
    if (side * side != hw || !sides.contains(side)) {
      return;
    }
    long b = probs.getShape().get(0);
    long k = select.getShape().get(2);
    NDArray perHead = probs.mean(new int[] {1}); // [B, HW, 77]
    NDArray maps = perHead.batchMatMul(select); // [B, HW, K]
    maps = maps.reshape(b, side, side, k).transpose(0, 3, 1, 2); // [B, K, s, s]
    if (side != target) {
      maps = Ops.upsampleNearest(maps, target, target);
    }
    sum = sum == null ? maps : sum.add(maps);
    layers++;
  }

  /** [B, K, side, side], the mean over the layers read; throws when none matched. */
  NDArray maps() {
    if (layers == 0) {
      throw new IllegalStateException("no cross-attention layer at resolution " + sides
          + " in this UNet for these latents; choose --attn-res from the model's map sizes");
    }
    return Ops.divScalar(sum, layers);
  }

  int side() {
    return target;
  }

  int layers() {
    return layers;
  }
}
