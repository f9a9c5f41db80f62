package dev.unmasked.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.io.TensorSource;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.WeightBinder;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.Params;
import java.util.Map;

/**
 * diffusers {@code AutoencoderKL}: encode images in [-1, 1] [B, 3, H, W] to a posterior over
 * latents [B, L, H/f, W/f]; decode latents back. Neither applies {@code scaling_factor}: the caller
 * multiplies latents by it after encoding and divides before decoding, as the pipelines do.
 */
public final class AutoencoderKL {
  private final AutoencoderKLConfig config;
  private final Params params;
  private final Encoder encoder;
  private final Conv2dLayer quantConv;
  private final Conv2dLayer postQuantConv;
  private final Decoder decoder;

  public AutoencoderKL(AutoencoderKLConfig c, TensorSource weights, NDManager manager,
      DataType dtype) {
    this(c, new Params(new WeightBinder(weights), manager, dtype));
  }

  /** Builds the network taking (or initialising) its weights from {@code params}. */
  public AutoencoderKL(AutoencoderKLConfig c, Params params) {
    this.config = c;
    this.params = params;
    long l2 = 2L * c.latentChannels();
    encoder = new Encoder(params, c);
    quantConv = Conv2dLayer.load(params, "quant_conv", l2, l2, 1, 1, 0);
    postQuantConv = Conv2dLayer.load(params, "post_quant_conv", c.latentChannels(),
        c.latentChannels(), 1, 1, 0);
    decoder = new Decoder(params, c);
    params.finish();
  }

  public static AutoencoderKL load(ConfigJson config, TensorSource weights, NDManager manager,
      DataType dtype) {
    return new AutoencoderKL(AutoencoderKLConfig.from(config), weights, manager, dtype);
  }

  public AutoencoderKLConfig config() {
    return config;
  }

  public Map<String, NDArray> parameters() {
    return params.all();
  }

  /** {@code quant_conv(encoder(image))}: [B, 3, H, W] -> [B, 2L, H/f, W/f]. */
  public NDArray encodeMoments(NDArray image) {
    return quantConv.forward(encoder.forward(image));
  }

  /** image [B, 3, H, W] in [-1, 1] -> the latent posterior. */
  public DiagonalGaussianDistribution encode(NDArray image) {
    return DiagonalGaussianDistribution.fromMoments(encodeMoments(image));
  }

  /** latents [B, L, h, w] (unscaled) -> image [B, 3, h*f, w*f], roughly in [-1, 1]. */
  public NDArray decode(NDArray latents) {
    return decoder.forward(postQuantConv.forward(latents));
  }
}
