package dev.unmasked.cli;

import dev.unmasked.UserError;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.Judgement;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unmasked world judge}: what the toy-world judge sees in images. */
@Command(
    name = "judge",
    mixinStandardHelpOptions = true,
    description = {
      "Judge toy-world images: background, the object's shape/color/pattern when there is one object,",
      "which shapes and colors are present. --json prints the same attribute names and values as",
      "scene.json, so predictions and truth compare directly. Images of other sizes are resampled to 64x64."
    })
public final class WorldJudgeCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG/JPEG images.")
  List<Path> images;

  @Option(names = "--json", description = "Print a JSON array, one object per image.")
  boolean json;

  @Option(names = "--features", description = "With --json, include the 128-d similarity feature.")
  boolean features;

  @Option(names = "--weights", description = "Judge weights (default: the judge shipped in the jar).")
  Path weights;

  /**
   * The judge in {@code weights}, or the shipped one when null; a missing or unreadable file is a
   * {@link UserError} naming it. Shared by the {@code world} commands that take {@code --weights}.
   */
  static Judge loadJudge(Path weights) {
    if (weights != null && !Files.isRegularFile(weights)) {
      throw new UserError("--weights " + weights + ": no such file");
    }
    try {
      return weights == null ? Judge.loadDefault() : Judge.load(weights);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  @Override
  public Integer call() throws IOException {
    List<BufferedImage> loaded = new ArrayList<>();
    for (Path p : images) {
      if (!Files.isRegularFile(p)) {
        throw new UserError("image " + p + ": no such file");
      }
      BufferedImage img = ImageIO.read(p.toFile());
      if (img == null) {
        throw new UserError("image " + p + ": not a readable image (use PNG or JPEG)");
      }
      loaded.add(img);
    }
    List<Judgement> js;
    try (Judge judge = loadJudge(weights)) {
      js = judge.judgeImages(loaded);
    }
    if (json) {
      JsonArray arr = new JsonArray();
      for (int i = 0; i < js.size(); i++) {
        JsonObject o = new JsonObject();
        o.addProperty("image", images.get(i).toString());
        js.get(i).toJson(features).entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        arr.add(o);
      }
      commandSpec.commandLine().getOut().println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(arr));
    } else {
      for (int i = 0; i < js.size(); i++) {
        commandSpec.commandLine().getOut().println(images.get(i) + ": " + js.get(i).describe());
      }
    }
    commandSpec.commandLine().getOut().flush();
    return 0;
  }
}
