package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Schedulers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Prior preservation's class images: the base model's samples of the class prompt (image i from
 * seed + i), generated once into {@code RUN/prior/NNN.png} (a resumed run reuses them) and encoded
 * once to latents.
 */
final class PriorImages {
  private PriorImages() {}

  static float[][] latents(LoadedModel model, LearnOptions.Prior prior, Path dir, long seed,
      NDManager m, PrintStream log) throws IOException {
    int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
    Files.createDirectories(dir);
    float[][] out = new float[prior.images()][];
    int made = 0;
    double scale = model.vae().config().scalingFactor();
    for (int i = 0; i < prior.images(); i++) {
      Path f = dir.resolve(String.format(Locale.ROOT, "%03d.png", i));
      BufferedImage img = Files.isRegularFile(f) ? ImageIO.read(f.toFile()) : null;
      if (img == null || img.getWidth() != size || img.getHeight() != size) {
        StableDiffusionPipeline p = new StableDiffusionPipeline(model,
            Schedulers.fromConfig(model.schedulerConfig(), null));
        StableDiffusionPipeline.Result r = p.generate(new GenerationRequest(prior.prompt(), "", 25,
            size <= 128 ? 4.0 : 7.5, size, size, 1, seed + 1_000_000L + i, null), null);
        img = PngImages.toImage(r.imagesUint8(), 0, size, size);
        PngImages.write(img, Map.of("parameters", prior.prompt()), f);
        made++;
      }
      InputImage im = new InputImage(f, "prior-" + i, size, img.getRGB(0, 0, size, size, null, 0, size),
          java.util.List.of(), "");
      try (NDScope scope = new NDScope()) {
        NDArray x = m.create(im.chw(false), new Shape(1, 3, size, size))
            .toType(model.textEncoder().tokenEmbedding().getDataType(), false);
        out[i] = model.vae().encode(x).mode().mul(scale).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
            .toFloatArray();
      }
    }
    log.printf(Locale.ROOT, "prior preservation: %d images of \"%s\" (%d generated now) in %s%n",
        prior.images(), prior.prompt(), made, dir);
    return out;
  }
}
