package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;

/**
 * The composed (DJL-only) forms of the operators that {@link Ops} takes from {@link AtenOps} when
 * it can, for benchmarks and tests that compare the two paths.
 */
public final class OpsPaths {
  private OpsPaths() {}

  public static NDArray siluComposed(NDArray x) {
    return Ops.siluComposed(x);
  }

  public static NDArray groupNormComposed(NDArray x, int groups, NDArray gamma, NDArray beta,
      float eps) {
    return Ops.groupNormComposed(x, groups, gamma, beta, eps);
  }

  /** softmax(q k^T * scale) v with the probabilities explicit (the observed attention path). */
  public static NDArray attentionExplicit(NDArray q, NDArray k, NDArray v, double scale) {
    NDArray scores = Ops.mulScalar(q, scale).matMul(k.swapAxes(-1, -2));
    return Ops.softmaxLast(scores).matMul(v);
  }
}
