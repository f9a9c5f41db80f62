package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneFiles;
import dev.unmasked.toyworld.SceneJson;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.SceneSampler;
import dev.unmasked.toyworld.SceneSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked world render}: scenes as folders of image, masks and JSON. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    description = {
      "Render toy-world scenes. Scene k (0-based) uses seed S+k and goes to DIR/scene-<seed>/:",
      "image.png (64x64), mask-background.png, mask-1.png.. (visible pixels of each object, painter's",
      "order), scene.json (attributes, placement, caption), and image@<K>x.png with --display-scale."
    })
public final class WorldRenderCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--seed", required = true, description = "Seed of the first scene.")
  long seed;

  @Option(names = "--count", defaultValue = "1", description = "Number of scenes (default ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--objects", defaultValue = "1-3", description = "Objects per scene: N or MIN-MAX within 1-3 (default ${DEFAULT-VALUE}).")
  String objects;

  @Option(names = "--spec", description = "JSON spec: a full scene.json, or a partial one (missing fields are sampled from the seed).")
  Path spec;

  @Option(names = "--held-out", description = "Make the first object of every scene a held-out triple (never seen in pretraining).")
  boolean heldOut;

  @Option(names = "--display-scale", defaultValue = "0", description = "Also write image@<K>x.png at K times the size (e.g. 4 = 256x256).")
  int displayScale;

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (count < 1) {
      throw new UserError("--count must be at least 1, got " + count);
    }
    if (displayScale < 0 || displayScale > 16) {
      throw new UserError("--display-scale must be 0..16, got " + displayScale);
    }
    SceneOptions options = SceneOptions.training()
        .withHeldOut(heldOut ? SceneOptions.HeldOutPolicy.REQUIRE : SceneOptions.HeldOutPolicy.EXCLUDE);
    int[] range = parseObjects(objects);
    options = options.withObjects(range[0], range[1]);
    SceneSpec sceneSpec = SceneSpec.ANY;
    if (spec != null) {
      if (!Files.isRegularFile(spec)) {
        throw new UserError("--spec " + spec + ": no such file");
      }
      try {
        sceneSpec = SceneJson.parseSpec(Files.readString(spec, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
        throw new UserError("--spec " + spec + ": " + e.getMessage() + " (see docs/TOYWORLD.md for the format)");
      }
    }
    for (int k = 0; k < count; k++) {
      long s = seed + k;
      Scene scene;
      try {
        scene = SceneSampler.sample(s, options, sceneSpec);
      } catch (IllegalArgumentException e) {
        throw new UserError("scene with seed " + s + ": " + e.getMessage());
      }
      Path dir = out.resolve("scene-" + s);
      SceneFiles.write(scene, dir, displayScale);
      commandSpec.commandLine().getOut().println(dir + "\t" + scene.caption());
    }
    commandSpec.commandLine().getOut().flush();
    return 0;
  }

  static int[] parseObjects(String s) {
    String[] parts = s.split("-", -1);
    try {
      int min = Integer.parseInt(parts[0].trim());
      int max = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : min;
      if (parts.length > 2 || min < 1 || max > 3 || min > max) {
        throw new NumberFormatException();
      }
      return new int[] {min, max};
    } catch (NumberFormatException e) {
      throw new UserError("--objects '" + s + "': give N or MIN-MAX within 1-3, e.g. 2 or 1-3");
    }
  }
}
