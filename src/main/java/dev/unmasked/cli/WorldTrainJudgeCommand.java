package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.JudgeWeights;
import dev.unmasked.toyworld.judge.JudgeEval;
import dev.unmasked.toyworld.judge.JudgeTrainer;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked world train-judge}: trains the toy-world judge (minutes on CPU), resumable. */
@Command(
    name = "train-judge",
    mixinStandardHelpOptions = true,
    description = {
      "Train the toy-world judge CNN on rendered scenes. Resumes from OUT/checkpoint.safetensors when",
      "present; writes OUT/judge.safetensors and appends to OUT/train.log. Then measures it on fresh",
      "scenes (seeds from --eval-seed) and prints the metrics docs/JUDGE.md records."
    })
public final class WorldTrainJudgeCommand implements Callable<Integer> {

  @Option(names = "--out", defaultValue = "runs/judge", description = "Run folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--steps", defaultValue = "2500", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--batch", defaultValue = "32", description = "Scenes per step (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--lr", defaultValue = "2e-3", description = "Peak Adam learning rate (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--seed", defaultValue = "5", description = "Seed of the weight initialisation (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--render-threads", defaultValue = "1", description = "Scene-rendering threads (default ${DEFAULT-VALUE}).")
  int renderThreads;

  @Option(names = "--checkpoint-every", defaultValue = "250", description = "Steps between checkpoints (default ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--init", description = "Start a new run from these weights (fine-tuning): tensors of the current"
      + " network found there are used, the rest initialised from --seed. Ignored when OUT holds a checkpoint.")
  Path init;

  @Option(names = "--first-scene", defaultValue = "0", description = "Seed of the first training scene (default ${DEFAULT-VALUE}).")
  long firstScene;

  @Option(names = "--eval-scenes", defaultValue = "2000", description = "Fresh scenes for the final measurement (default ${DEFAULT-VALUE}).")
  int evalScenes;

  @Option(names = "--eval-seed", defaultValue = "3000000000", description = "First seed of the final measurement's scenes (default ${DEFAULT-VALUE}).")
  long evalSeed;

  @Override
  public Integer call() throws IOException {
    if (steps < 1 || batch < 1 || !(lr > 0) || checkpointEvery < 1 || renderThreads < 1) {
      throw new UserError("--steps, --batch, --lr, --checkpoint-every and --render-threads must be positive");
    }
    if (firstScene < 0) {
      throw new UserError("--first-scene must be >= 0, got " + firstScene);
    }
    if (init != null && !Files.isRegularFile(init)) {
      throw new UserError("--init " + init + " is not a file: pass a judge.safetensors or checkpoint.safetensors");
    }
    if (init != null && Judge.isEnsemble(JudgeWeights.readMetadata(init))) {
      throw new UserError("--init " + init + " is an ensemble of judges; start from one of the single judges it was made from");
    }
    JudgeTrainer.Config cfg = new JudgeTrainer.Config(seed, steps, batch, lr, renderThreads, checkpointEvery, 400,
        init, firstScene);
    if (evalSeed <= cfg.lastScene() && evalSeed + evalScenes > firstScene) {
      throw new UserError("--eval-seed " + evalSeed + " overlaps the training seeds " + firstScene + ".." + cfg.lastScene());
    }
    Files.createDirectories(out);
    try (OutputStream file = new FileOutputStream(out.resolve("train.log").toFile(), true);
        PrintStream log = new PrintStream(new Tee(System.out, file), true, StandardCharsets.UTF_8)) {
      log.println("train-judge " + cfg);
      long t0 = System.nanoTime();
      Path weights = JudgeTrainer.train(cfg, out, log);
      log.printf("training time this run: %.0f s%n", (System.nanoTime() - t0) / 1e9);
      calibrate(weights, log);
      try (Judge judge = Judge.load(weights)) {
        JudgeEval.Metrics all = JudgeEval.evaluate(judge, JudgeEval.freshScenes(evalSeed, evalScenes, 1, 3));
        log.println("final eval (seeds " + evalSeed + ".." + (evalSeed + evalScenes - 1) + ", 1-3 objects): " + all.summary());
        log.println("thresholds met: " + all.meetsThresholds());
      }
    }
    return 0;
  }

  /**
   * Chooses the shape-presence threshold on validation scenes (seeds from
   * {@link JudgeEval#VALIDATION_SEED}, disjoint from training and from the final measurement) and
   * stores it in the weights' metadata.
   */
  static void calibrate(Path weights, PrintStream log) throws IOException {
    List<Scene> scenes = JudgeEval.freshScenes(JudgeEval.VALIDATION_SEED, VALIDATION_SCENES, 2, 3);
    JudgeWeights.Tensors t = JudgeWeights.read(weights);
    JudgeEval.Calibration c = JudgeEval.calibrate(t, scenes);
    t.metadata().put(Judge.PRESENCE_THRESHOLD, Float.toString(c.threshold()));
    t.metadata().put(Judge.VIEWS, Integer.toString(c.views()));
    t.metadata().put("shape_presence_calibration_scenes",
        JudgeEval.VALIDATION_SEED + ".." + (JudgeEval.VALIDATION_SEED + VALIDATION_SCENES - 1) + " (2-3 objects)");
    JudgeWeights.write(weights, t);
    log.printf(Locale.ROOT, "calibrated: %d views, shape-presence threshold %.2f (F1 %.4f on %d validation scenes),"
        + " stored in %s%n", c.views(), c.threshold(), c.f1(), VALIDATION_SCENES, weights);
  }

  private static final int VALIDATION_SCENES = 1000;

  /** Writes to two streams (console and log file). */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }
}
