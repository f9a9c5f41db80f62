package dev.unmasked.cli;

import dev.unmasked.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code unmasked demo}: the method end to end on a toy-world scene that ships with the project:
 * learns its two objects and its background with no masks, then generates new compositions.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Learn the three concepts of examples/toyworld/two-interacting (a striped blue ring, a red",
      "star, the grass) with no masks on the embedded model, then generate new compositions:",
      "each object alone on new backgrounds, both together, an object on the learned background."
    })
public final class DemoCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;

  @Option(names = "--out", description = "Run folder (default: runs/demo-N, the first free N).")
  Path out;

  @Option(names = "--steps", description = "Phase-1 steps (default: learn's default).")
  Integer steps;

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("unmasked.home", "."));
    Path scene = home.resolve("examples/toyworld/two-interacting");
    Path image = scene.resolve("image.png");
    if (!Files.isRegularFile(image)) {
      throw new UserError("the demo scene is missing (" + image + "); run from a full checkout");
    }
    Path run = out;
    if (run == null) {
      for (int i = 1; run == null || Files.exists(run); i++) {
        run = home.resolve("runs/demo-" + i);
      }
    }
    Files.createDirectories(run.toAbsolutePath().getParent());
    System.err.println("demo: learning <v1> (the ring), <v2> (the star) and <v3> (the grass) from "
        + image + " with no masks");
    List<String> args = new ArrayList<>(List.of("learn", image.toString(),
        "--concept", "<v1>=blue ring", "--concept", "<v2>=red star", "--concept", "<v3>=grass",
        "--background", "<v3>", "--out", run.toString(),
        "--validation-prompt", "a <v1> on the snow",
        "--validation-prompt", "a <v2> in the sky",
        "--validation-prompt", "a <v1> and a <v2> on the sand",
        "--validation-prompt", "a <v2> on the <v3>",
        "--validation-prompt", "a yellow star on the <v3>"));
    if (modelOptions.model != null) {
      args.add("--model");
      args.add(modelOptions.model.toString());
    }
    if (steps != null) {
      args.add("--steps");
      args.add(steps.toString());
    }
    CommandLine cl = Main.commandLine();
    int code = cl.execute(args.toArray(new String[0]));
    if (code != 0) {
      return code;
    }
    System.err.println("demo: new compositions: " + run.resolve("samples/final.png"));
    System.err.println("demo: masks over the E-steps, plots and samples: " + run.resolve("report.html"));
    System.err.println("demo: use the concepts: ./unmasked generate --concepts " + run
        + " --prompt \"a <v2> and a <v1> on the snow\" --out mine.png");
    return 0;
  }
}
