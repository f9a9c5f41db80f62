package dev.unmasked.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.judge.Judge;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;

/**
 * {@code eval concepts}: the paper's comparisons on toy-world scenes whose every mask is known.
 * 1. For each case and mode, {@code learn} into {@code DIR/runs/<case>/<mode>/} with the same seed
 * and budget (a run with learned_embeds.safetensors is finished and not redone; one with a
 * checkpoint is resumed; one without is started again). 2. Each finished run is scored once
 * ({@code eval/score.json}, redone only when the sampling settings change): masks from its
 * masks.csv, samples from {@link ConceptFidelity}, cost from {@code cost.json}. 3. {@link
 * ConceptReport} writes metrics.json, metrics.csv and report.html.
 */
public final class ConceptEval {
  public static final String SCORE = "eval/score.json";
  public static final String GRID = "eval/samples.png";
  public static final String COST = "cost.json";
  public static final String LOG = "learn.log";

  private ConceptEval() {}

  /**
   * What to run.
   *
   * @param modes learn modes, e.g. em, fixed, user, none
   * @param learn what every learn run shares (model, seed, steps)
   * @param sampling how samples are drawn for fidelity
   * @param command the command line that produced this evaluation (recorded in the report)
   */
  public record Settings(Path out, List<String> modes, LearnArgs.Common learn,
      ConceptFidelity.Settings sampling, String command) {}

  /**
   * One (case, mode) run and what became of it.
   *
   * @param status "done" or "failed"
   * @param steps its phase-1 steps (from run.json; -1 when unknown)
   */
  public record Run(EvalCase evalCase, String mode, Path dir, String status, String error,
      Map<String, Double> metrics, List<MaskCurves.EStep> esteps, long steps) {}

  /** Everything the report needs. */
  public record Result(List<EvalCase> cases, List<Run> runs, JsonObject metrics, Path metricsFile,
      Path csvFile, Path htmlFile, String table) {
    public boolean anyFailed() {
      return runs.stream().anyMatch(r -> !r.status().equals("done"));
    }
  }

  /** A run still to learn. */
  private record Pending(EvalCase evalCase, String mode, Path dir) {}

  public static Path runDir(Path out, EvalCase c, String mode) {
    return out.resolve("runs").resolve(c.name()).resolve(mode);
  }

  public static Result run(List<EvalCase> cases, Settings s, LearnLauncher launcher, PrintStream log)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    checkLearnSettings(s);
    // 1. Learn what is not finished.
    List<Pending> pending = new ArrayList<>();
    for (EvalCase c : cases) {
      for (String mode : s.modes()) {
        Path dir = runDir(s.out(), c, mode);
        if (!Files.isRegularFile(dir.resolve("learned_embeds.safetensors"))) {
          pending.add(new Pending(c, mode, dir));
        }
      }
    }
    int total = cases.size() * s.modes().size();
    log.printf(Locale.ROOT, "eval concepts: %d cases x %d modes = %d runs, %d to learn (%s)%n",
        cases.size(), s.modes().size(), total, pending.size(),
        launcher.parallelism() > 1 ? launcher.parallelism() + " side by side" : "one at a time");
    Map<Path, String> errors = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    if (launcher.parallelism() <= 1) {
      for (int i = 0; i < pending.size(); i++) {
        learnOne(pending.get(i), i + 1, pending.size(), s, launcher, errors, log);
      }
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(launcher.parallelism());
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
          Pending p = pending.get(i);
          int k = i + 1;
          fs.add(pool.submit(() -> {
            learnOne(p, k, pending.size(), s, launcher, errors, log);
            return null;
          }));
        }
        for (Future<?> f : fs) {
          try {
            f.get();
          } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("a learn launch failed: " + e.getCause(), e.getCause());
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    // 2. Score every finished run (once).
    List<Run> runs = new ArrayList<>();
    try (Judge judge = Judge.loadDefault()) {
      int k = 0;
      for (EvalCase c : cases) {
        for (String mode : s.modes()) {
          k++;
          Path dir = runDir(s.out(), c, mode);
          if (!Files.isRegularFile(dir.resolve("learned_embeds.safetensors"))) {
            runs.add(new Run(c, mode, dir, "failed", errors.getOrDefault(dir, "not finished"),
                ConceptMetrics.readValues(new JsonObject()), List.of(), -1));
            continue;
          }
          try {
            runs.add(score(c, mode, dir, s, judge, k, total, log));
          } catch (IOException | RuntimeException e) {
            log.printf(Locale.ROOT, "[%d/%d] %s %s: scoring FAILED: %s%n", k, total, c.name(), mode, e);
            runs.add(new Run(c, mode, dir, "failed", "scoring: " + e, ConceptMetrics.readValues(
                new JsonObject()), List.of(), -1));
          }
        }
      }
    }
    // 3. Report.
    double seconds = (System.nanoTime() - t0) / 1e9;
    return ConceptReport.write(cases, runs, s, seconds);
  }

  private static void learnOne(Pending p, int k, int n, Settings s, LearnLauncher launcher,
      Map<Path, String> errors, PrintStream log) throws IOException, InterruptedException {
    EvalCase c = p.evalCase();
    String mode = p.mode();
    Path dir = p.dir();
    boolean resume = Files.isRegularFile(dir.resolve("checkpoint/state.safetensors"));
    if (!resume && Files.exists(dir)) {
      deleteRun(dir); // interrupted before its first checkpoint: nothing to keep
    }
    Files.createDirectories(dir);
    List<String> args = LearnArgs.of(c, mode, s.learn(), dir, resume);
    synchronized (log) {
      log.printf(Locale.ROOT, "[%d/%d] %s %s: %s%n", k, n, c.name(), mode, resume ? "resuming" : "learning");
    }
    Path logFile = dir.resolve(LOG);
    LearnLauncher.Outcome o = launcher.launch(args, logFile);
    boolean done = o.code() == 0 && Files.isRegularFile(dir.resolve("learned_embeds.safetensors"));
    JsonObject cost = new JsonObject();
    cost.addProperty("wall_s", Spread.round(o.seconds()));
    cost.addProperty("peak_rss_mb", Double.isFinite(o.peakRssMb()) ? Spread.round(o.peakRssMb()) : null);
    cost.addProperty("base_rss_mb", Double.isFinite(o.baseRssMb()) ? Spread.round(o.baseRssMb()) : null);
    cost.addProperty("resumed", resume);
    cost.addProperty("exit_code", o.code());
    if (done) {
      json(dir.resolve(COST), cost);
    } else {
      errors.put(dir, o.error() != null ? o.error() : "learn stopped early with status " + o.code());
    }
    synchronized (log) {
      log.printf(Locale.ROOT, "[%d/%d] %s %s: %s in %.1f s%s%n", k, n, c.name(), mode,
          done ? "finished" : "FAILED", o.seconds(), done ? "" : " (" + errors.get(dir) + ")");
    }
  }

  private static Run score(EvalCase c, String mode, Path dir, Settings s, Judge judge, int k, int n,
      PrintStream log) throws IOException {
    List<MaskCurves.EStep> esteps = MaskCurves.read(dir.resolve("masks.csv"));
    long steps = steps(dir);
    Path scoreFile = dir.resolve(SCORE);
    JsonObject settings = s.sampling().toJson();
    settings.addProperty("model", s.learn().model().toString());
    if (Files.isRegularFile(scoreFile)) {
      JsonObject had = JsonParser.parseString(Files.readString(scoreFile)).getAsJsonObject();
      if (settings.equals(had.get("settings"))) {
        return new Run(c, mode, dir, "done", null,
            ConceptMetrics.readValues(had.getAsJsonObject("metrics").getAsJsonObject("values")), esteps,
            steps);
      }
    }
    long t0 = System.nanoTime();
    log.printf(Locale.ROOT, "[%d/%d] %s %s: scoring%n", k, n, c.name(), mode);
    ConceptMetrics m = new ConceptMetrics();
    if (!esteps.isEmpty()) {
      m.put("masks.first_miou", MaskCurves.first(esteps));
      m.put("masks.final_miou", MaskCurves.last(esteps));
      m.put("masks.esteps", esteps.size());
    }
    ConceptFidelity.Result r = ConceptFidelity.score(c, dir, s.learn().model(), judge, s.sampling(),
        truthFromMasks(c, esteps), m, dir.resolve(GRID));
    Path costFile = dir.resolve(COST);
    if (Files.isRegularFile(costFile)) {
      JsonObject cost = JsonParser.parseString(Files.readString(costFile)).getAsJsonObject();
      for (String key : new String[] {"wall_s", "peak_rss_mb"}) {
        if (cost.has(key) && !cost.get(key).isJsonNull()) {
          m.put("cost." + key, cost.get(key).getAsDouble());
        }
      }
    }
    m.put("cost.score_s", (System.nanoTime() - t0) / 1e9);
    JsonObject out = new JsonObject();
    out.addProperty("case", c.name());
    out.addProperty("mode", mode);
    out.add("settings", settings);
    out.add("metrics", m.toJson());
    out.add("prompts", r.prompts());
    json(scoreFile, out);
    return new Run(c, mode, dir, "done", null, m.values(), esteps, steps);
  }

  /** Phase-1 steps of a run, from its run.json (-1 when it cannot be read). */
  static long steps(Path dir) {
    try {
      JsonObject o = JsonParser.parseString(Files.readString(dir.resolve("run.json"))).getAsJsonObject();
      return o.getAsJsonObject("arguments").get("phase1Steps").getAsLong();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Concept token -> the object masks.csv matched it to (first E-step), where it names one. */
  static Map<String, SceneObject> truthFromMasks(EvalCase c, List<MaskCurves.EStep> esteps) {
    Map<String, SceneObject> out = new LinkedHashMap<>();
    if (esteps.isEmpty()) {
      return out;
    }
    java.util.regex.Pattern objectN = java.util.regex.Pattern.compile("^object (\\d+) ");
    for (Map.Entry<String, String> e : esteps.get(0).truth().entrySet()) {
      int sp = e.getKey().lastIndexOf(' ');
      String stem = e.getKey().substring(0, sp);
      String token = e.getKey().substring(sp + 1);
      Matcher mt = objectN.matcher(e.getValue());
      if (out.containsKey(token) || !mt.find()) {
        continue;
      }
      for (EvalCase.CaseImage im : c.images()) {
        int j = Integer.parseInt(mt.group(1)) - 1;
        if (im.stem().equals(stem) && j < im.scene().objects().size()) {
          out.put(token, im.scene().objects().get(j));
        }
      }
    }
    return out;
  }

  /** Removes a run folder left without a checkpoint (files first, then folders). */
  static void deleteRun(Path dir) throws IOException {
    dev.unmasked.io.FileTrees.delete(dir);
  }

  static final String LEARN_SETTINGS = "learn-settings.json";

  /**
   * Finished runs are not redone, so an output folder must hold runs of one set of learn settings:
   * the first evaluation writes them to {@code learn-settings.json}, a later one with other
   * settings (model, seed, steps, E-step interval, extra learn arguments) is refused.
   */
  static void checkLearnSettings(Settings s) throws IOException {
    JsonObject want = new JsonObject();
    want.addProperty("model", s.learn().model().toString());
    want.addProperty("seed", s.learn().seed());
    want.addProperty("steps", s.learn().steps());
    want.addProperty("estep_every", s.learn().estepEvery());
    com.google.gson.JsonArray extra = new com.google.gson.JsonArray();
    s.learn().extra().forEach(extra::add);
    want.add("extra_learn_args", extra);
    Path f = s.out().resolve(LEARN_SETTINGS);
    if (Files.isRegularFile(f)) {
      JsonObject have;
      try {
        have = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
      } catch (RuntimeException e) {
        throw new dev.unmasked.UserError(f + ": unreadable (" + e.getMessage() + "); delete it only"
            + " if every run in " + s.out() + " used this evaluation's settings");
      }
      if (!have.equals(want)) {
        throw new dev.unmasked.UserError(s.out() + " holds runs learned with other settings (" + f
            + ": " + have + "; this evaluation: " + want + "); use another --out");
      }
      return;
    }
    Files.createDirectories(s.out());
    com.google.gson.Gson g = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    AtomicFile.write(f, g.toJson(want).getBytes(StandardCharsets.UTF_8));
  }

  static void json(Path file, JsonObject o) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    AtomicFile.write(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o)
        .getBytes(StandardCharsets.UTF_8));
  }
}
