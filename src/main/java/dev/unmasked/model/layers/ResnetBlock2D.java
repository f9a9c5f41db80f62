package dev.unmasked.model.layers;

import ai.djl.ndarray.NDArray;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.GroupNormLayer;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;

/**
 * diffusers {@code ResnetBlock2D} (time_embedding_norm "default", SiLU, no up/down sampling):
 * norm1 -> silu -> conv1 (+ time_emb_proj(silu(temb))) -> norm2 -> silu -> conv2, plus the
 * (1x1-projected) input, divided by output_scale_factor.
 */
public final class ResnetBlock2D {
  private final GroupNormLayer norm1;
  private final Conv2dLayer conv1;
  private final LinearLayer timeEmbProj; // null in the VAE
  private final GroupNormLayer norm2;
  private final Conv2dLayer conv2;
  private final Conv2dLayer convShortcut; // null when in == out
  private final double outputScaleFactor;

  /**
   * @param tembChannels width of the time embedding, or 0 for none (VAE)
   */
  public ResnetBlock2D(Params p, String prefix, long in, long out, long tembChannels, int groups,
      float eps, double outputScaleFactor) {
    this.norm1 = GroupNormLayer.load(p, prefix + ".norm1", groups, in, eps);
    this.conv1 = Conv2dLayer.load(p, prefix + ".conv1", in, out, 3, 1, 1);
    this.timeEmbProj = tembChannels > 0
        ? LinearLayer.load(p, prefix + ".time_emb_proj", tembChannels, out, true) : null;
    this.norm2 = GroupNormLayer.load(p, prefix + ".norm2", groups, out, eps);
    this.conv2 = Conv2dLayer.load(p, prefix + ".conv2", out, out, 3, 1, 1);
    this.convShortcut = in != out ? Conv2dLayer.load(p, prefix + ".conv_shortcut", in, out, 1, 1, 0)
        : null;
    this.outputScaleFactor = outputScaleFactor;
  }

  /**
   * @param x [B, in, H, W]
   * @param temb [B, temb] or null
   * @return [B, out, H, W]
   */
  public NDArray forward(NDArray x, NDArray temb) {
    return dev.unmasked.nn.Scopes.run(() -> compute(x, temb));
  }

  private NDArray compute(NDArray x, NDArray temb) {
    NDArray h = conv1.forward(Ops.silu(norm1.forward(x))); // [B, out, H, W]
    if (timeEmbProj != null && temb != null) {
      NDArray t = timeEmbProj.forward(Ops.silu(temb)); // [B, out]
      h = h.add(t.expandDims(2).expandDims(3));
    }
    h = conv2.forward(Ops.silu(norm2.forward(h)));
    NDArray shortcut = convShortcut != null ? convShortcut.forward(x) : x;
    NDArray y = shortcut.add(h);
    return outputScaleFactor == 1.0 ? y : Ops.divScalar(y, outputScaleFactor);
  }
}
