package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;

/**
 * diffusers {@code Timesteps} (sinusoidal projection) followed by {@code TimestepEmbedding}
 * (linear_1 -> SiLU -> linear_2).
 */
final class TimestepEmbedding {
  private final int projDim;
  private final boolean flipSinToCos;
  private final int freqShift;
  private final LinearLayer linear1;
  private final LinearLayer linear2;

  TimestepEmbedding(Params p, String prefix, int projDim, long embDim, boolean flipSinToCos,
      int freqShift) {
    this.projDim = projDim;
    this.flipSinToCos = flipSinToCos;
    this.freqShift = freqShift;
    this.linear1 = LinearLayer.load(p, prefix + ".linear_1", projDim, embDim, true);
    this.linear2 = LinearLayer.load(p, prefix + ".linear_2", embDim, embDim, true);
  }

  /**
   * The sinusoidal projection, computed in float32 as diffusers does.
   *
   * @param timesteps [B] float
   * @return [B, projDim] float32
   */
  NDArray project(NDArray timesteps) {
    NDManager m = timesteps.getManager();
    int half = projDim / 2;
    NDArray exponent = m.arange(0, half, 1, DataType.FLOAT32).mul(-Math.log(10000.0))
        .div(half - freqShift);
    NDArray freqs = exponent.exp(); // [half]
    NDArray args = timesteps.toType(DataType.FLOAT32, false).expandDims(1).mul(freqs.expandDims(0));
    NDArray sin = args.sin();
    NDArray cos = args.cos();
    NDArray emb = flipSinToCos ? cos.concat(sin, 1) : sin.concat(cos, 1);
    if (projDim % 2 == 1) {
      emb = emb.concat(m.zeros(new ai.djl.ndarray.types.Shape(emb.getShape().get(0), 1)), 1);
    }
    return emb;
  }

  /** t_emb [B, projDim] -> [B, embDim]. */
  NDArray embed(NDArray tEmb) {
    return linear2.forward(Ops.silu(linear1.forward(tEmb)));
  }
}
