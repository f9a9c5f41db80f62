package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.GroupNormLayer;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers {@code Transformer2DModel} (continuous input): GroupNorm, proj_in (1x1 conv for SD 1.x,
 * Linear when use_linear_projection, as SD 2.x), transformer blocks over the H*W tokens, proj_out,
 * plus the input.
 */
final class Transformer2DModel {
  private final GroupNormLayer norm;
  private final Conv2dLayer projInConv;
  private final LinearLayer projInLinear;
  private final List<BasicTransformerBlock> blocks = new ArrayList<>();
  private final Conv2dLayer projOutConv;
  private final LinearLayer projOutLinear;

  Transformer2DModel(Params p, String prefix, long channels, int heads, int layers, long crossDim,
      int groups, boolean linearProjection) {
    long dimHead = channels / heads;
    long inner = heads * dimHead;
    this.norm = GroupNormLayer.load(p, prefix + ".norm", groups, channels, 1e-6f);
    if (linearProjection) {
      projInLinear = LinearLayer.load(p, prefix + ".proj_in", channels, inner, true);
      projInConv = null;
    } else {
      projInConv = Conv2dLayer.load(p, prefix + ".proj_in", channels, inner, 1, 1, 0);
      projInLinear = null;
    }
    for (int i = 0; i < layers; i++) {
      blocks.add(new BasicTransformerBlock(p, prefix + ".transformer_blocks." + i, inner, heads,
          dimHead, crossDim));
    }
    if (linearProjection) {
      projOutLinear = LinearLayer.load(p, prefix + ".proj_out", inner, channels, true);
      projOutConv = null;
    } else {
      projOutConv = Conv2dLayer.load(p, prefix + ".proj_out", inner, channels, 1, 1, 0);
      projOutLinear = null;
    }
  }

  /** x [B, C, H, W], context [B, 77, crossDim] -> [B, C, H, W]. */
  NDArray forward(NDArray x, NDArray context, AttentionObserver observer) {
    long b = x.getShape().get(0);
    long c = x.getShape().get(1);
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDArray hs = norm.forward(x);
    if (projInConv != null) {
      hs = projInConv.forward(hs);
      long inner = hs.getShape().get(1);
      hs = hs.transpose(0, 2, 3, 1).reshape(b, h * w, inner); // [B, HW, inner]
    } else {
      hs = projInLinear.forward(hs.transpose(0, 2, 3, 1).reshape(b, h * w, c));
    }
    for (BasicTransformerBlock block : blocks) {
      hs = block.forward(hs, context, observer);
    }
    long inner = hs.getShape().get(2);
    if (projOutConv != null) {
      hs = projOutConv.forward(hs.reshape(b, h, w, inner).transpose(0, 3, 1, 2));
    } else {
      hs = projOutLinear.forward(hs).reshape(b, h, w, c).transpose(0, 3, 1, 2);
    }
    // x first: the sum takes its operands' first memory format, and hs is a channels-last view
    // (the transpose above). Leaving it first made every later tensor channels-last, and libtorch's
    // channels-last group norm and element-wise kernels ran slower than the contiguous ones
    // (diffusers calls .contiguous() here for the same reason). Addition commutes exactly.
    return x.add(hs);
  }
}
