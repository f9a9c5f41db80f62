package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Collection;

/** {@code torch.nn.utils.clip_grad_norm_} over the gradients of some parameters. */
public final class GradClip {
  private GradClip() {}

  /** The global L2 norm of the gradients (computed in float64). */
  public static double globalNorm(Collection<NDArray> params) {
    double sq = 0;
    try (NDScope scope = new NDScope()) {
      for (NDArray p : params) {
        NDArray g = p.getGradient();
        sq += g.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).square().sum().getDouble();
      }
    }
    return Math.sqrt(sq);
  }

  /**
   * Scales the gradients so their global norm is at most {@code maxNorm} (coefficient {@code
   * maxNorm / (norm + 1e-6)} when below 1, as torch); returns the norm before clipping.
   */
  public static double clip(Collection<NDArray> params, double maxNorm) {
    double norm = globalNorm(params);
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1 && Double.isFinite(norm)) {
      for (NDArray p : params) {
        p.getGradient().muli(coef);
      }
    }
    return norm;
  }
}
