package dev.unmasked.concepts;

import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.ImageGrid;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Schedulers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Validation samples of learned concepts: generated with the current rows, drawn as a grid. */
final class ConceptSamples {
  private ConceptSamples() {}

  /** Toy-world validation prompts: each object alone on a new background, all objects together,
   *  the first object on each learned background. */
  static List<String> defaultPrompts(List<ConceptSpec> concepts, LearnOptions o) {
    List<String> objects = new ArrayList<>();
    List<String> backgrounds = new ArrayList<>();
    for (ConceptSpec c : concepts) {
      (c.background() ? backgrounds : objects).add(c.token());
    }
    List<String> p = new ArrayList<>();
    String[] fresh = {"on the snow", "in the sky", "on the wood"};
    for (int i = 0; i < objects.size(); i++) {
      p.add(o.prompt(List.of(objects.get(i)), List.of()) + " " + fresh[i % fresh.length]);
    }
    if (objects.size() > 1) {
      p.add(o.prompt(objects, List.of()) + " on the sand");
    }
    if (!objects.isEmpty()) {
      for (String b : backgrounds) {
        p.add(o.prompt(List.of(objects.get(0)), List.of(b)));
      }
    }
    return p;
  }

  static void grid(LoadedModel model, List<String> prompts, long seed, Path out) throws IOException {
    if (prompts.isEmpty()) {
      return;
    }
    int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
    List<BufferedImage> images = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      StableDiffusionPipeline p = new StableDiffusionPipeline(model,
          Schedulers.fromConfig(model.schedulerConfig(), null));
      StableDiffusionPipeline.Result r = p.generate(new GenerationRequest(prompts.get(i), "",
          25, 4.0, size, size, 2, seed + 10L * i, null), null);
      for (int j = 0; j < 2; j++) {
        images.add(PngImages.toImage(r.imagesUint8(), j, size, size));
        captions.add(prompts.get(i));
      }
    }
    Files.createDirectories(out.getParent());
    PngImages.write(ImageGrid.of(images, captions, 4, Math.max(1, 128 / size)),
        Map.of("prompts", String.join("\n", prompts)), out);
  }
}
