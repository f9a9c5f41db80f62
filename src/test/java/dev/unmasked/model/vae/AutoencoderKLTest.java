package dev.unmasked.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.testutil.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AutoencoderKLTest {

  static AutoencoderKL load(String folder, NDManager m) throws Exception {
    return AutoencoderKL.load(ConfigJson.read(Golden.path(folder + "/vae/config.json")),
        SafetensorsFile.open(Golden.path(folder + "/vae/diffusion_pytorch_model.safetensors")), m,
        DataType.FLOAT32);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1", "sd2"})
  void encodeAndDecodeMatchDiffusers(String kind) throws Exception {
    String folder = kind.equals("sd1") ? "tiny-sd" : "tiny-sd2";
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("vae_" + kind + "_golden.safetensors")) {
      AutoencoderKL vae = load(folder, m);
      NDArray image = Golden.load(m, g, "image");
      NDArray moments = vae.encodeMoments(image);
      Golden.assertClose(kind + " encoder_moments", Golden.load(m, g, "encoder_moments"), moments,
          1e-4, 1e-4);
      DiagonalGaussianDistribution post = DiagonalGaussianDistribution.fromMoments(moments);
      Golden.assertClose(kind + " mean", Golden.load(m, g, "posterior_mean"), post.mean(), 1e-4, 1e-4);
      Golden.assertClose(kind + " logvar", Golden.load(m, g, "posterior_logvar"), post.logvar(),
          1e-4, 1e-4);
      Golden.assertClose(kind + " std", Golden.load(m, g, "posterior_std"), post.std(), 1e-4, 1e-4);
      Golden.assertClose(kind + " decoded", Golden.load(m, g, "decoded"),
          vae.decode(Golden.load(m, g, "latents")), 1e-4, 1e-4);
      Golden.assertClose(kind + " decoded_from_posterior_mean",
          Golden.load(m, g, "decoded_from_posterior_mean"), vae.decode(post.mean()), 1e-4, 1e-4);
    }
  }
}
