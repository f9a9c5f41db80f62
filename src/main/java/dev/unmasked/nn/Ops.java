package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * Tensor operations with PyTorch semantics, including the workarounds of design/RUNTIME.md.
 * Every function is differentiable through DJL's autograd.
 */
public final class Ops {
  private Ops() {}

  /**
   * conv2d as {@code torch.nn.functional.conv2d}. Works around libtorch 2.7.1 CPU returning wrong
   * input gradients for 3x3 stride-1 convs whose out_channels is not a multiple of 16 (RUNTIME
   * pitfall 1): such filters are padded with zero filters and the result sliced.
   *
   * @param x [B, Cin, H, W]
   * @param w [Cout, Cin, kh, kw]
   * @param b [Cout] or null
   * @return [B, Cout, H', W']
   */
  public static NDArray conv2d(NDArray x, NDArray w, NDArray b, int stride, int padding) {
    long cout = w.getShape().get(0);
    long kh = w.getShape().get(2);
    Shape s = new Shape(stride, stride);
    Shape p = new Shape(padding, padding);
    Shape d = new Shape(1, 1);
    if (cout % 16 != 0 && kh > 1 && stride == 1) {
      long padTo = (cout + 15) / 16 * 16;
      NDArray zw = w.getManager().zeros(new Shape(padTo - cout, w.getShape().get(1), kh,
          w.getShape().get(3)), w.getDataType());
      NDArray wp = w.concat(zw, 0);
      NDArray bp = b == null ? null : b.concat(b.getManager().zeros(new Shape(padTo - cout),
          b.getDataType()), 0);
      NDArray y = Conv2d.conv2d(x, wp, bp, s, p, d, 1).singletonOrThrow();
      return y.get(":, 0:" + cout);
    }
    return Conv2d.conv2d(x, w, b, s, p, d, 1).singletonOrThrow();
  }

  /** {@code x @ w.T + b} over the last axis. x [..., in], w [out, in], b [out] or null. */
  public static NDArray linear(NDArray x, NDArray w, NDArray b) {
    return b == null
        ? Linear.linear(x, w).singletonOrThrow()
        : Linear.linear(x, w, b).singletonOrThrow();
  }

  /** LayerNorm over the last axis with affine gamma/beta [C]. */
  public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
    long c = x.getShape().get(x.getShape().dimension() - 1);
    return LayerNorm.layerNorm(x, new Shape(c), gamma, beta, eps).singletonOrThrow();
  }

  /**
   * GroupNorm as {@code torch.nn.GroupNorm}: statistics over (C/G, spatial...) per group, then a
   * per-channel affine. DJL has no native group norm; layer norm over a [B, G, rest] view computes
   * the same (RUNTIME.md).
   *
   * @param x [B, C, ...]
   */
  public static NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
    if (AtenOps.available()) {
      return AtenOps.groupNorm(x, groups, gamma, beta, eps);
    }
    return groupNormComposed(x, groups, gamma, beta, eps);
  }

  /**
   * GroupNorm from DJL's ops (layer_norm over each group, then the per-channel affine): the path
   * used where {@link AtenOps} is not available, and the reference its tests compare against.
   */
  static NDArray groupNormComposed(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
    Shape shape = x.getShape();
    long b = shape.get(0);
    long c = shape.get(1);
    long rest = shape.size() / (b * c);
    long groupSize = (c / groups) * rest;
    NDArray g = x.reshape(b, groups, groupSize);
    // libtorch's layer_norm needs an affine; identity here, the per-channel one follows.
    NDArray ones = x.getManager().ones(new Shape(groupSize), x.getDataType());
    NDArray zeros = x.getManager().zeros(new Shape(groupSize), x.getDataType());
    NDArray n = LayerNorm.layerNorm(g, new Shape(groupSize), ones, zeros, eps)
        .singletonOrThrow()
        .reshape(b, c, rest);
    n = n.mul(gamma.reshape(1, c, 1)).add(beta.reshape(1, c, 1));
    return n.reshape(shape);
  }

  /**
   * {@code x * s}, safe on a gradient path. DJL's {@code NDArray.mul(Number)} and {@code div(Number)}
   * wrap the number in a 0-d tensor over a Java direct buffer and close it right after the op, but
   * autograd keeps that tensor for the backward pass: once the garbage collector frees the buffer,
   * the backward pass reads freed memory and the gradient comes out wrong (off by a few percent,
   * infinite or NaN) in whichever pass a collection happened to run — about 1 pass in 25 through
   * the tiny UNet (docs/KNOWN_ISSUES.md). Here the scalar is a tensor libtorch owns.
   */
  public static NDArray mulScalar(NDArray x, double s) {
    return x.mul(scalar(x, s));
  }

  /** {@code x / s}, safe on a gradient path (see {@link #mulScalar}). */
  public static NDArray divScalar(NDArray x, double s) {
    return x.div(scalar(x, s));
  }

  /** A 0-d tensor of {@code x}'s type holding {@code s}, in memory libtorch allocated and owns. */
  static NDArray scalar(NDArray x, double s) {
    NDArray filled = x.getManager().zeros(new Shape(), DataType.FLOAT64);
    filled.addi(s); // in place into native memory; DJL's temporary for s is not kept by any graph
    return filled.toType(x.getDataType(), false);
  }

  /**
   * The two halves of the last axis, as {@code torch.chunk(x, 2, -1)}. One split instead of two
   * slices: a slice's backward allocates and zero-fills a gradient of the whole input per slice,
   * while split's backward is one concatenation (the GEGLU feed-forward of every transformer block).
   */
  public static NDArray[] chunk2(NDArray x) {
    int axis = x.getShape().dimension() - 1;
    if (x.getShape().get(axis) % 2 != 0) {
      throw new IllegalArgumentException("cannot halve a last axis of " + x.getShape().get(axis));
    }
    ai.djl.ndarray.NDList parts = x.split(2, axis);
    return new NDArray[] {parts.get(0), parts.get(1)};
  }

  /** {@code torch.nn.functional.silu}: libtorch's fused kernel where {@link AtenOps} is available. */
  public static NDArray silu(NDArray x) {
    return AtenOps.available() ? AtenOps.silu(x) : siluComposed(x);
  }

  /** SiLU as {@code x * sigmoid(x)} from DJL's ops (the fallback, and the tests' reference). */
  static NDArray siluComposed(NDArray x) {
    return x.mul(x.getNDArrayInternal().sigmoid());
  }

  /** Exact (erf) GELU, as torch's default. */
  public static NDArray gelu(NDArray x) {
    return x.getNDArrayInternal().gelu();
  }

  /** CLIP's quick_gelu: x * sigmoid(1.702 x). */
  public static NDArray quickGelu(NDArray x) {
    return x.mul(mulScalar(x, 1.702).getNDArrayInternal().sigmoid());
  }

  /** Nearest-neighbour resize of [B, C, H, W] to [B, C, h, w], as F.interpolate(mode="nearest"). */
  public static NDArray upsampleNearest(NDArray x, long h, long w) {
    return x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
  }

  /**
   * Softmax over the last axis (libtorch's {@code softmax}, whose backward is
   * {@code _softmax_backward_data}). An earlier version computed exp(log_softmax(x)) after a
   * measurement that put DJL's softmax 15x behind; re-measured with {@code bench.SoftmaxBench}
   * (warm, the two paths alternated) the direct softmax is 1.5-2x faster forward and 1.4-3x faster
   * forward+backward, with the same values to 6e-8 (docs/BENCHMARKS.md).
   */
  public static NDArray softmaxLast(NDArray x) {
    return x.softmax(-1);
  }
}
