package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.JudgeEval;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked world eval-judge}: measures a judge on fresh scenes (the model card's numbers). */
@Command(
    name = "eval-judge",
    mixinStandardHelpOptions = true,
    description = {
      "Measure a judge against exact ground truth on freshly rendered scenes: background, single-object",
      "shape/color/pattern accuracy, shape and color presence F1 on 2-3 object scenes, object count.",
      "Exits 1 when the thresholds of docs/JUDGE.md are not met. --calibrate first chooses the",
      "shape-presence threshold on validation scenes and stores it in the weights file."
    })
public final class WorldEvalJudgeCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--weights", description = "Judge weights (default: the judge shipped in the jar).")
  Path weights;

  @Option(names = "--scenes", defaultValue = "2000", description = "Scenes, 1-3 objects (default ${DEFAULT-VALUE}).")
  int scenes;

  @Option(names = "--seed", defaultValue = "3000000000", description = "First scene seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--calibrate", description = "Choose and store the shape-presence threshold first (needs --weights).")
  boolean calibrate;

  @Override
  public Integer call() throws IOException {
    if (scenes < 1) {
      throw new UserError("--scenes must be positive, got " + scenes);
    }
    if (weights != null && !Files.isRegularFile(weights)) {
      throw new UserError("--weights " + weights + ": no such file");
    }
    if (calibrate && weights == null) {
      throw new UserError("--calibrate rewrites a weights file: pass it with --weights");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (calibrate) {
      WorldTrainJudgeCommand.calibrate(weights, out);
    }
    try (Judge judge = WorldJudgeCommand.loadJudge(weights)) {
      long t0 = System.nanoTime();
      JudgeEval.Metrics m = JudgeEval.evaluate(judge, JudgeEval.freshScenes(seed, scenes, 1, 3));
      out.printf(java.util.Locale.ROOT, "seeds %d..%d, %d views, shape-presence threshold %.2f; %.1f s: %s%n",
          seed, seed + scenes - 1, judge.views(), judge.presenceThreshold(), (System.nanoTime() - t0) / 1e9,
          m.summary());
      out.println("thresholds met: " + m.meetsThresholds());
      return m.meetsThresholds() ? 0 : 1;
    }
  }
}
