package dev.unmasked.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.pipeline.ImageGrid;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.scheduler.Schedulers;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.toyworld.judge.Judge;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code eval base}: the toy-world base model measured with the shipped judge on scenes and prompts
 * that pretraining never used. Three parts: the autoencoder ({@link VaeEval}), prompt fidelity of
 * generations with the model's default sampling settings ({@link FidelityEval}), and
 * cross-attention localisation ({@link AttentionLocalisation}). Writes {@code metrics.json} (every
 * number with its count) and {@code samples.png} (each generation with its prompt) to the output
 * folder and returns a printable table.
 *
 * <p>Scene seeds: pretraining uses seeds below 10^9 and its held-out loss set 7*10^9 onwards; this
 * evaluation uses {@code FIRST_SCENE + seed * SEED_STRIDE} onwards: the autoencoder's scenes from
 * there, the attention scenes {@code ATTENTION_OFFSET} further, generation noise seeds
 * {@code NOISE_OFFSET} further.
 */
public final class BaseModelEval {
  public static final long FIRST_SCENE = 8_000_000_000L;
  public static final long SEED_STRIDE = 10_000_000L;
  static final long ATTENTION_OFFSET = 2_000_000L;
  static final long NOISE_OFFSET = 4_000_000L;
  /** Largest {@code --seed}: keeps every seed range of this evaluation apart and in a long. */
  public static final long MAX_SEED = 100_000_000L;
  public static final String METRICS = "metrics.json";
  public static final String SAMPLES = "samples.png";

  private BaseModelEval() {}

  /** The metrics as written, the table as printed and the files written. */
  public record Report(JsonObject metrics, String table, Path metricsFile, Path samplesFile) {}

  public static Report run(Path modelDir, Path outDir, EvalSettings s, PrintStream progress)
      throws IOException {
    return run(modelDir, outDir, s, null, progress);
  }

  /**
   * As above, sampling with {@code sampling} instead of the model's {@code generation_defaults.json}
   * when it is not null (to compare settings before choosing the defaults).
   */
  public static Report run(Path modelDir, Path outDir, EvalSettings s, GenerationDefaults sampling,
      PrintStream progress) throws IOException {
    if (s.seed() < 0 || s.seed() > MAX_SEED) {
      throw new IllegalArgumentException("seed must be in 0.." + MAX_SEED + ", got " + s.seed());
    }
    long first = FIRST_SCENE + s.seed() * SEED_STRIDE;
    Files.createDirectories(outDir);
    long t0 = System.nanoTime();
    try (NDManager m = NDManager.newBaseManager(); Judge judge = Judge.loadDefault()) {
      LoadedModel model = LoadedModel.load(modelDir, m, DataType.FLOAT32);
      GenerationDefaults defaults = sampling != null ? sampling : GenerationDefaults.read(modelDir);

      // 1. The autoencoder.
      VaeEval.Result vae = VaeEval.run(model.vae(), judge, m, first, s.vaeScenes(), progress);

      // 2. Prompt fidelity.
      List<EvalPrompts.Single> singles = EvalPrompts.singles(s.singlePrompts(), s.seed());
      List<EvalPrompts.Pair> pairs = EvalPrompts.pairs(s.pairPrompts(), s.seed());
      FidelityEval.Result gen = FidelityEval.run(model, defaults, judge, singles, pairs,
          first + NOISE_OFFSET, progress);

      // 3. Cross-attention localisation, with a tokenizer of its own (it adds tokens).
      CLIPTokenizer tok = CLIPTokenizer.fromFolder(modelDir.resolve("tokenizer"));
      BetaSchedule betas = BetaSchedule.of(Schedulers.fromConfig(model.schedulerConfig(), null).config());
      AttentionLocalisation.Result att = AttentionLocalisation.run(tok, model.textEncoder(),
          model.unet(), model.vae(), betas, m, first + ATTENTION_OFFSET, s.attentionScenes(),
          s.timesteps(), progress);

      // 4. Files and table.
      JsonObject metrics = new JsonObject();
      metrics.addProperty("model", modelDir.toAbsolutePath().normalize().toString());
      metrics.add("settings", s.toJson());
      metrics.addProperty("first_scene_seed", first);
      metrics.addProperty("judge_views", judge.views());
      metrics.addProperty("judge_members", judge.members());
      metrics.add("vae", vae.toJson());
      metrics.add("generation", gen.toJson());
      metrics.add("attention", att.toJson());
      metrics.addProperty("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
      Path metricsFile = outDir.resolve(METRICS);
      AtomicFile.write(metricsFile, new GsonBuilder().setPrettyPrinting().serializeNulls()
          .serializeSpecialFloatingPointValues().create().toJson(metrics)
          .getBytes(StandardCharsets.UTF_8));
      Path grid = outDir.resolve(SAMPLES);
      PngImages.write(ImageGrid.of(gen.images(), gen.prompts(), Math.min(10, gen.images().size()), 2),
          Map.of("prompts", String.join("\n", gen.prompts()), "Software", "unmasked eval base"), grid);
      return new Report(metrics, table(modelDir, s, vae, gen, att), metricsFile, grid);
    }
  }

  static String table(Path model, EvalSettings s, VaeEval.Result vae, FidelityEval.Result gen,
      AttentionLocalisation.Result att) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "eval base: %s (seed %d%s)%n", model, s.seed(),
        s.quick() ? ", quick" : ""));
    sb.append(String.format(Locale.ROOT, "%-46s %8s %9s%n", "", "value", "n"));
    sb.append(String.format(Locale.ROOT, "VAE, %d rendered scenes%n", vae.scenes()));
    row(sb, "  reconstruction PSNR, dB", vae.psnr(), "%8.2f", vae.scenes());
    row(sb, "  reconstruction PSNR on object pixels, dB", vae.objectPsnr(), "%8.2f", vae.scenes());
    String[] attrs = {"background", "shape", "color", "pattern", "all four"};
    for (int i = 0; i < attrs.length; i++) {
      tally(sb, "  judge: reconstruction = original, " + attrs[i], vae.agreement()[i]);
    }
    sb.append(String.format(Locale.ROOT, "generation, %s %d steps, guidance %.1f%n", gen.scheduler(),
        gen.steps(), gen.guidance()));
    for (int i = 0; i < attrs.length; i++) {
      tally(sb, "  single object: " + attrs[i] + " right", gen.single()[i]);
    }
    String[] pair = {"both shapes present", "both colors present", "both objects present",
        "background right", "all of these"};
    for (int i = 0; i < pair.length; i++) {
      tally(sb, "  two objects: " + pair[i], gen.pair()[i]);
    }
    StringBuilder ts = new StringBuilder();
    for (long t : att.timesteps()) {
      ts.append(ts.length() == 0 ? "" : " ").append(t);
    }
    sb.append(String.format(Locale.ROOT,
        "cross-attention, %d two-object scenes, t = %s, %d layers, %dx%d maps%n", att.scenes(), ts,
        att.layers().size(), att.mapSide(), att.mapSide()));
    sb.append(String.format(Locale.ROOT, "  %-12s %14s %12s %13s %9s%n", "map", "IoU min-max .5",
        "IoU argmax", "own > other", "objects"));
    String[] names = {"phrase", "shape word", "new token"};
    for (int i = 0; i < names.length; i++) {
      AttentionLocalisation.Scores sc = att.all().get(AttentionLocalisation.VARIANTS[i]);
      sb.append(String.format(Locale.ROOT, "  %-12s %14.3f %12.3f %13s %9d%n", names[i],
          sc.iouThreshold(), sc.iouArgmax(), String.format(Locale.ROOT, "%.3f (%d)",
              sc.ownHigher().rate(), sc.ownHigher().n()), sc.objects()));
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, String name, double v, String fmt, int n) {
    sb.append(String.format(Locale.ROOT, "%-46s " + fmt + " %9d%n", name, v, n));
  }

  private static void tally(StringBuilder sb, String name, Tally t) {
    sb.append(String.format(Locale.ROOT, "%-46s %8.3f %9s%n", name, t.rate(), t.hits() + "/" + t.n()));
  }
}
