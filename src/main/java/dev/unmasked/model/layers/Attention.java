package dev.unmasked.model.layers;

import ai.djl.ndarray.NDArray;
import dev.unmasked.nn.AtenOps;
import dev.unmasked.nn.GroupNormLayer;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;

/**
 * diffusers {@code Attention} with the classic {@code AttnProcessor}: probabilities are computed
 * explicitly as {@code softmax(Q K^T * dim_head^-0.5)} so an {@link AttentionObserver} can see them
 * (and keep them in the autograd graph) before they multiply V; layers nobody observes use
 * libtorch's fused attention where that measured faster ({@link #FUSED_MIN_SCORES}). Covers the UNet's self- and
 * cross-attention (no q/k/v bias) and the VAE's spatial self-attention (group_norm, biases,
 * residual connection).
 */
public final class Attention {
  private final String path;
  private final int heads;
  private final long dimHead;
  private final LinearLayer toQ;
  private final LinearLayer toK;
  private final LinearLayer toV;
  private final LinearLayer toOut;
  private final GroupNormLayer groupNorm; // VAE only
  private final boolean residualConnection;

  /**
   * @param crossDim width of the encoder hidden states, or 0 for self-attention
   * @param normGroups group-norm groups for the VAE form, or 0 for none
   */
  public Attention(Params p, String prefix, long queryDim, long crossDim, int heads, long dimHead,
      boolean qkvBias, int normGroups, float normEps, boolean residualConnection) {
    this.path = prefix;
    this.heads = heads;
    this.dimHead = dimHead;
    long inner = heads * dimHead;
    long kvDim = crossDim > 0 ? crossDim : queryDim;
    this.groupNorm = normGroups > 0
        ? GroupNormLayer.load(p, prefix + ".group_norm", normGroups, queryDim, normEps) : null;
    this.toQ = LinearLayer.load(p, prefix + ".to_q", queryDim, inner, qkvBias);
    this.toK = LinearLayer.load(p, prefix + ".to_k", kvDim, inner, qkvBias);
    this.toV = LinearLayer.load(p, prefix + ".to_v", kvDim, inner, qkvBias);
    this.toOut = LinearLayer.load(p, prefix + ".to_out.0", inner, queryDim, true);
    this.residualConnection = residualConnection;
  }

  public String path() {
    return path;
  }

  /**
   * @param x [B, N, queryDim], or [B, C, H, W] for the VAE form
   * @param context [B, T, crossDim] for cross-attention, or null for self-attention
   * @return same shape as x
   */
  public NDArray forward(NDArray x, NDArray context, AttentionObserver observer) {
    // The scores and probabilities are the largest tensors of a UNet step (SD at 64x64 latents:
    // [B*8, 4096, 4096]); free them as soon as this layer is done instead of at the end of the
    // step. Autograd keeps its own references to what backward needs.
    NDArray[] observed = new NDArray[1];
    NDArray out;
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      out = compute(x, context, observer, observed);
      ai.djl.ndarray.NDScope.unregister(out);
      if (observed[0] != null) {
        ai.djl.ndarray.NDScope.unregister(observed[0]);
      }
    }
    ai.djl.ndarray.NDScope.register(out); // now owned by the caller's scope, if any
    if (observed[0] != null) {
      ai.djl.ndarray.NDScope.register(observed[0]);
      // Called outside the layer's scope, so whatever the observer derives survives.
      observer.onAttention(path, observed[0]);
    }
    return out;
  }

  private NDArray compute(NDArray x, NDArray context, AttentionObserver observer,
      NDArray[] observed) {
    NDArray residual = x;
    boolean spatial = x.getShape().dimension() == 4;
    long b = x.getShape().get(0);
    long c = x.getShape().get(1);
    long h = spatial ? x.getShape().get(2) : 0;
    long w = spatial ? x.getShape().get(3) : 0;
    if (spatial) {
      x = x.reshape(b, c, h * w).transpose(0, 2, 1); // [B, HW, C]
    }
    if (groupNorm != null) {
      x = groupNorm.forward(x.transpose(0, 2, 1)).transpose(0, 2, 1);
    }
    NDArray kv = context != null ? context : x;
    long n = x.getShape().get(1);
    long t = kv.getShape().get(1);
    NDArray q = headsFirst(toQ.forward(x), b, n); // [B*heads, N, d]
    NDArray k = headsFirst(toK.forward(kv), b, t); // [B*heads, T, d]
    NDArray v = headsFirst(toV.forward(kv), b, t); // [B*heads, T, d]
    NDArray out;
    if ((observer == null || !observer.wants(path)) && fusedPays(n, t)) {
      // libtorch's fused attention: the same softmax(Q K^T / sqrt(d)) V, computed in tiles without
      // the [B*h, N, T] scores and probabilities that backward would otherwise keep.
      out = AtenOps.attention(q, k, v, 1.0 / Math.sqrt(dimHead)); // [B*heads, N, d]
    } else {
      // Probabilities explicitly, for the observer (or where the fused kernel is unavailable).
      // Scale Q ([B*h, N, d]) rather than the scores ([B*h, N, T]): the same product, and at 4096
      // tokens the scores are 100x larger than Q.
      q = Ops.mulScalar(q, 1.0 / Math.sqrt(dimHead));
      NDArray scores = q.batchMatMul(k.transpose(0, 2, 1)); // [B*h, N, T]
      NDArray probs = Ops.softmaxLast(scores);
      if (observer != null && observer.wants(path)) {
        observed[0] = probs.reshape(b, heads, n, t);
      }
      out = probs.batchMatMul(v); // [B*heads, N, d]
    }
    out = out.reshape(b, heads, n, dimHead).transpose(0, 2, 1, 3).reshape(b, n, heads * dimHead);
    out = toOut.forward(out); // [B, N, queryDim]
    if (spatial) {
      out = out.transpose(0, 2, 1).reshape(b, c, h, w);
    }
    // residual first, so the sum is contiguous like the input, not channels-last like the
    // transposed view `out` is in the spatial (VAE) form (see Transformer2DModel.forward).
    return residualConnection ? residual.add(out) : out;
  }

  /**
   * Scores of at least this many elements per head (SD's 32x32 self-attention has 1024 x 1024, its
   * 64x64 one 4096 x 4096) go through libtorch's fused (flash) kernel, with or without a backward
   * pass to follow. Measured with {@code bench.FusedOpsBench} (1 thread, quiet, docs/BENCHMARKS.md),
   * fused against the explicit softmax: SD 64x64 forward 168 vs 265 ms, forward+backward 509 vs 642
   * ms; SD 32x32 17.2 vs 19.1 and 55 vs 64 ms; the toy's 16x16 (256 x 256) even, its 8x8 and
   * cross-attention slower fused, so the toy sizes stay explicit. The fused kernel also never holds
   * the [B*h, N, T] scores and probabilities (512 MB per layer at SD's 64x64).
   */
  static final long FUSED_MIN_SCORES = 1L << 20;

  private static boolean fusedPays(long n, long t) {
    return n * t >= FUSED_MIN_SCORES && AtenOps.available();
  }

  /** [B, L, heads*d] -> [B*heads, L, d]. */
  private NDArray headsFirst(NDArray a, long b, long len) {
    return a.reshape(b, len, heads, dimHead).transpose(0, 2, 1, 3).reshape(b * heads, len, dimHead);
  }
}
