package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.convert.PipelineExport;
import dev.unmasked.eval.GenerationDefaults;
import dev.unmasked.io.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unmasked export}: a diffusers pipeline folder copied without its training state. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a diffusers pipeline folder (model_index.json and the components it names), e.g. the",
      "model a 'pretrain' run left in its --out folder, with its weights in another dtype and its",
      "default generation settings; checkpoints, logs and samples stay behind."
    })
public final class ExportCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FROM", description = "diffusers pipeline folder")
  Path from;

  @Parameters(index = "1", paramLabel = "TO", description = "new folder (replaced with --force)")
  Path to;

  @Option(names = "--dtype", defaultValue = "fp16",
      description = "fp16, bf16 or fp32 for the weights (default: ${DEFAULT-VALUE})")
  String dtype;

  @Option(names = "--steps", description = "generation_defaults.json: sampling steps")
  Integer steps;

  @Option(names = "--guidance", description = "generation_defaults.json: guidance scale")
  Double guidance;

  @Option(names = "--scheduler", description = "generation_defaults.json: scheduler name")
  String scheduler;

  @Option(names = "--force", description = "replace TO if it exists")
  boolean force;

  @Override
  public Integer call() throws Exception {
    DType d = switch (dtype.toLowerCase(Locale.ROOT)) {
      case "fp16", "f16", "float16", "half" -> DType.F16;
      case "bf16", "bfloat16" -> DType.BF16;
      case "fp32", "f32", "float32", "float" -> DType.F32;
      default -> throw new UserError("--dtype " + dtype + ": expected fp16, bf16 or fp32");
    };
    if (!Files.isDirectory(from)) {
      throw new UserError(from + ": no such folder; give a diffusers pipeline folder");
    }
    GenerationDefaults g = null;
    if (steps != null || guidance != null || scheduler != null) {
      GenerationDefaults base = GenerationDefaults.read(from);
      g = new GenerationDefaults(steps != null ? steps : base.steps(),
          guidance != null ? guidance : base.guidance(), scheduler != null ? scheduler : base.scheduler());
      if (g.steps() < 1 || !(g.guidance() >= 0)) {
        throw new UserError("--steps must be >= 1 and --guidance >= 0");
      }
      if (g.scheduler() != null) {
        dev.unmasked.scheduler.Schedulers.fromConfig(
            from.resolve("scheduler").resolve("scheduler_config.json"), g.scheduler());
      }
    }
    PipelineExport.Summary s = PipelineExport.export(from, to, d, g, force);
    System.out.printf(Locale.ROOT, "wrote %s: %d files, %d tensors, %,d parameters as %s, %.1f MB%n",
        to, s.files(), s.tensors(), s.parameters(), d, s.bytes() / 1e6);
    return 0;
  }
}
