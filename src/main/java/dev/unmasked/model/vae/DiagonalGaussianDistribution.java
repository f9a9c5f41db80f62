package dev.unmasked.model.vae;

import dev.unmasked.nn.Ops;
import ai.djl.ndarray.NDArray;

/**
 * diffusers {@code DiagonalGaussianDistribution}: the VAE posterior. Moments [B, 2L, h, w] are split
 * into mean (channels 0..L-1) and logvar (L..2L-1, clamped to [-30, 20]); std = exp(logvar / 2).
 */
public record DiagonalGaussianDistribution(NDArray mean, NDArray logvar, NDArray std) {

  public static DiagonalGaussianDistribution fromMoments(NDArray moments) {
    long l = moments.getShape().get(1) / 2;
    NDArray mean = moments.get(":, 0:" + l);
    NDArray logvar = moments.get(":, " + l + ":").clip(-30.0, 20.0);
    return new DiagonalGaussianDistribution(mean, logvar, Ops.mulScalar(logvar, 0.5).exp());
  }

  /** mean + std * noise, with noise ~ N(0,1) supplied by the caller's random source. */
  public NDArray sample(NDArray noise) {
    return mean.add(std.mul(noise));
  }

  public NDArray mode() {
    return mean;
  }
}
