package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.eval.BaseModelEval;
import dev.unmasked.eval.EvalSettings;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked eval base}: the toy-world base model's autoencoder, prompt fidelity and attention maps. */
@Command(
    name = "base",
    mixinStandardHelpOptions = true,
    description = {
      "Measure a toy-world base model with the shipped judge.",
      "On scenes and prompts never used in pretraining: VAE reconstruction PSNR",
      "and judge agreement; prompt fidelity of generations (single objects:",
      "background, shape, color, pattern; two objects: both present, background);",
      "cross-attention localisation (IoU against the exact masks of phrase,",
      "shape-word and new-token maps). Writes metrics.json and samples.png to",
      "--out and prints a table."
    })
public final class EvalBaseCommand implements Callable<Integer> {
  /** The embedded model's folder under the project home. */
  static final String DEFAULT_MODEL = "models/toyworld-sd";

  @Option(names = "--model",
      description = "diffusers pipeline folder of a toy-world model (default: " + DEFAULT_MODEL
          + " under the project home)")
  Path model;

  @Option(names = "--out", defaultValue = "runs/eval-base",
      description = "output folder, created if missing (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--samples",
      description = "single-object prompts N (default 80, --quick 10); also N/2 two-object prompts, "
          + "2N VAE scenes and N attention scenes")
  Integer samples;

  @Option(names = "--seed", defaultValue = "0",
      description = "shifts the scene seeds (8,000,000,000 + seed * 10,000,000 onwards) and the prompts")
  long seed;

  @Option(names = "--quick", description = "few samples (a smoke test, e.g. for CI)")
  boolean quick;

  @Option(names = "--steps", description = "sampling steps (default: the model's generation_defaults.json)")
  Integer steps;

  @Option(names = "--guidance", description = "guidance scale (default: the model's generation_defaults.json)")
  Double guidance;

  @Option(names = "--scheduler",
      description = "scheduler name as for generate (default: the model's generation_defaults.json)")
  String scheduler;

  @Override
  public Integer call() throws Exception {
    Path dir = model != null ? model : defaultModel();
    if (!Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve("model_index.json"))) {
      throw new UserError((model != null ? "--model " : "no model at the default ") + dir
          + ": not a diffusers pipeline folder (model_index.json missing); "
          + (model != null ? "give the folder of a model from 'unmasked pretrain'"
              : "pass --model DIR or train one with 'unmasked pretrain --out " + dir + "'"));
    }
    if (samples != null && samples < 1) {
      throw new UserError("--samples must be at least 1, got " + samples);
    }
    if (seed < 0 || seed > BaseModelEval.MAX_SEED) {
      throw new UserError("--seed must be in 0.." + BaseModelEval.MAX_SEED + ", got " + seed);
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new UserError("--out " + out + " is a file; give a folder");
    }
    if (steps != null && steps < 1) {
      throw new UserError("--steps must be at least 1, got " + steps);
    }
    if (guidance != null && !(guidance >= 0)) {
      throw new UserError("--guidance must be >= 0, got " + guidance);
    }
    dev.unmasked.eval.GenerationDefaults sampling = null;
    if (steps != null || guidance != null || scheduler != null) {
      dev.unmasked.eval.GenerationDefaults d = dev.unmasked.eval.GenerationDefaults.read(dir);
      sampling = new dev.unmasked.eval.GenerationDefaults(steps != null ? steps : d.steps(),
          guidance != null ? guidance : d.guidance(), scheduler != null ? scheduler : d.scheduler());
    }
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BaseModelEval.Report r = BaseModelEval.run(dir, out, EvalSettings.of(samples, seed, quick),
        sampling, System.err);
    stdout.print(r.table());
    stdout.println("wrote " + r.metricsFile() + " and " + r.samplesFile());
    return 0;
  }

  static Path defaultModel() {
    String home = System.getProperty("unmasked.home");
    Path base = home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.dir"));
    return base.resolve(DEFAULT_MODEL);
  }
}
