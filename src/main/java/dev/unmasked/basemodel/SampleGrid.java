package dev.unmasked.basemodel;

import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.ImageGrid;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Schedulers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Fixed prompts generated with a model and drawn as one captioned PNG grid. */
public final class SampleGrid {
  private SampleGrid() {}

  /** The prompts of pretraining's sample grids (single, two-object, held-out-free). */
  public static final List<String> PROMPTS = List.of(
      "a red circle on the grass",
      "a striped blue square on the sand",
      "a yellow star in the sky",
      "a dotted green heart on the water",
      "a white diamond in front of a brick wall",
      "a checkered orange cross on the wood",
      "a striped red star on the snow",
      "a pink ring at night",
      "a purple crescent and a black hexagon on the sand",
      "a brown triangle and a blue circle on the grass");

  /** Generates each prompt once (seed + index) and writes the grid to {@code out}. */
  public static void write(LoadedModel model, List<String> prompts, long seed, int steps,
      double guidance, Path out) throws IOException {
    List<BufferedImage> images = new ArrayList<>();
    int size = model.vae().config().sampleSize();
    for (int i = 0; i < prompts.size(); i++) {
      StableDiffusionPipeline p = new StableDiffusionPipeline(model,
          Schedulers.fromConfig(model.schedulerConfig(), null));
      StableDiffusionPipeline.Result r = p.generate(new GenerationRequest(prompts.get(i), "",
          steps, guidance, size, size, 1, seed + i, null), null);
      images.add(PngImages.toImage(r.imagesUint8(), 0, size, size));
    }
    PngImages.write(ImageGrid.of(images, prompts, 5, 2), Map.of("prompts", String.join("\n", prompts)),
        out);
  }
}
