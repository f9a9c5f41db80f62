package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.eval.ChildProcessLauncher;
import dev.unmasked.eval.ConceptEval;
import dev.unmasked.eval.ConceptFidelity;
import dev.unmasked.eval.EvalCase;
import dev.unmasked.eval.EvalSuite;
import dev.unmasked.eval.LearnArgs;
import dev.unmasked.eval.LearnLauncher;
import dev.unmasked.eval.ProcessMemory;
import dev.unmasked.eval.SuiteCases;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked eval concepts}: learn on many toy-world scenes in every mode and score it all. */
@Command(
    name = "concepts",
    mixinStandardHelpOptions = true,
    description = {
      "The paper's comparisons on toy-world scenes whose every mask is known: for each case of a",
      "suite (34 by default, fixed seeds) and each mode (em, fixed, user, none), learn with the same",
      "seed and budget into DIR/runs/<case>/<mode>/, then score the masks (IoU with the truth per",
      "E-step), concept fidelity, prompt fidelity, composition, diversity and cost with the shipped",
      "judge. Writes metrics.json, metrics.csv and report.html to --out. Finished runs are not redone;",
      "interrupted ones are resumed. Example: eval concepts --out runs/eval-concepts --scenes 8 --jobs 2"
    })
public final class EvalConceptsCommand implements Callable<Integer> {
  static final List<String> MODES = List.of("em", "fixed", "user", "none");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", defaultValue = "runs/eval-concepts",
      description = "output folder, created if missing (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--scenes", split = ",", paramLabel = "NAME|KIND|N",
      description = "a subset: case names (two-01), kinds (occlusion, spread, ...) or a count N "
          + "(N cases round-robin over the kinds)")
  List<String> scenes;

  @Option(names = "--modes", split = ",", description = "learn modes (default em,fixed,user,none; --quick: em,fixed)")
  List<String> modes;

  @Option(names = "--quick", description = "one small two-object scene, em vs fixed, a handful of steps, few samples (CI)")
  boolean quick;

  @Option(names = "--scene-dir", paramLabel = "DIR",
      description = "score scene folders written by 'world render' instead of the default suite")
  Path sceneDir;

  @Option(names = "--scene-background", description = "with --scene-dir: learn each scene's background as a concept too")
  boolean sceneBackground;

  @Option(names = "--model", description = "toy-world model folder (default: " + EvalBaseCommand.DEFAULT_MODEL
      + " under the project home)")
  Path model;

  @Option(names = "--steps", description = "phase-1 steps of every run (default: learn's; --quick: 4)")
  Integer steps;

  @Option(names = "--estep-every", description = "steps between E-steps in mode em (default: learn's; --quick: 2)")
  Integer estepEvery;

  @Option(names = "--seed", defaultValue = "0", description = "the seed of every learn run (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--samples", description = "samples per prompt (default 4, --quick 2)")
  Integer samples;

  @Option(names = "--backgrounds", description = "new backgrounds per concept (default 2, --quick 1)")
  Integer backgrounds;

  @Option(names = "--gen-steps", description = "denoising steps of the samples (default: the model's; --quick 8)")
  Integer genSteps;

  @Option(names = "--learn-arg", paramLabel = "ARG",
      description = "passed to every learn run (repeat it; e.g. --learn-arg=--lr --learn-arg=1e-3), "
          + "to compare learn settings on the same suite")
  List<String> learnArgs = new java.util.ArrayList<>();

  @Option(names = "--jobs", defaultValue = "1",
      description = "learn runs side by side, each in a child JVM with cores/N threads (default 1: in this JVM)")
  int jobs;

  @Override
  public Integer call() throws Exception {
    Path modelDir = model != null ? model : EvalBaseCommand.defaultModel();
    if (!Files.isRegularFile(modelDir.resolve("model_index.json"))) {
      throw new UserError((model != null ? "--model " : "no model at the default ") + modelDir
          + ": not a diffusers pipeline folder (model_index.json missing); "
          + (model != null ? "give the folder of a model from 'unmasked pretrain'"
              : "pass --model DIR or train one with 'unmasked pretrain --out " + modelDir + "'"));
    }
    List<String> ms = modes != null ? modes : quick ? List.of("em", "fixed") : MODES;
    if (!MODES.containsAll(ms) || new LinkedHashSet<>(ms).size() != ms.size() || ms.isEmpty()) {
      throw new UserError("--modes " + String.join(",", ms) + ": give some of em, fixed, user, none, each once");
    }
    positive("--steps", steps);
    positive("--estep-every", estepEvery);
    positive("--samples", samples);
    positive("--backgrounds", backgrounds);
    positive("--gen-steps", genSteps);
    positive("--jobs", jobs);
    if (quick && scenes != null && sceneDir == null) {
      throw new UserError("--quick runs its own scene; drop --scenes (or give --scene-dir)");
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new UserError("--out " + out + " is a file; give a folder");
    }
    Path dir = out.toAbsolutePath().normalize();
    List<EvalCase> cases = cases(dir);
    LearnArgs.Common common = new LearnArgs.Common(modelDir, seed,
        steps != null ? steps : quick ? LearnArgs.QUICK_STEPS : null,
        estepEvery != null ? estepEvery : quick ? LearnArgs.QUICK_ESTEP_EVERY : null,
        concat(quick ? LearnArgs.QUICK_EXTRA : List.of(), learnArgs));
    ConceptFidelity.Settings sampling = new ConceptFidelity.Settings(samples != null ? samples : quick ? 2 : 4,
        backgrounds != null ? backgrounds : quick ? 1 : 2, genSteps != null ? genSteps : quick ? 8 : null,
        6_000_000L + seed);
    int cores = Runtime.getRuntime().availableProcessors();
    if (jobs > cores) {
      System.err.println("note: --jobs " + jobs + " is more than the " + cores + " cores; runs will share them");
    }
    LearnLauncher launcher = jobs > 1 ? new ChildProcessLauncher(jobs, Math.max(1, cores / jobs))
        : new InProcess();
    String command = "unmasked " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    ConceptEval.Result r = ConceptEval.run(cases, new ConceptEval.Settings(dir, ms, common, sampling, command),
        launcher, System.err);
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    stdout.print(r.table());
    stdout.println("wrote " + r.metricsFile() + ", " + r.csvFile() + " and " + r.htmlFile());
    if (r.anyFailed()) {
      r.runs().stream().filter(x -> !x.status().equals("done")).forEach(x -> System.err.println(
          "error: " + x.evalCase().name() + " " + x.mode() + ": " + x.error()));
      return 1;
    }
    return 0;
  }

  private List<EvalCase> cases(Path dir) throws IOException {
    if (sceneDir != null) {
      List<EvalCase> all = EvalSuite.fromSceneDir(sceneDir, sceneBackground);
      if (scenes == null) {
        return all;
      }
      Integer n = count(scenes);
      if (n != null) {
        return all.subList(0, Math.min(n, all.size()));
      }
      List<EvalCase> pick = all.stream().filter(c -> scenes.contains(c.name())).toList();
      if (pick.size() != scenes.size()) {
        throw new UserError("--scenes " + String.join(",", scenes) + ": not all are folders of --scene-dir "
            + sceneDir);
      }
      return pick;
    }
    List<SuiteCases.CaseDef> defs;
    if (quick) {
      defs = List.of(SuiteCases.quick());
    } else if (scenes == null) {
      defs = SuiteCases.defaults();
    } else {
      Integer n = count(scenes);
      defs = n != null ? SuiteCases.subset(n) : SuiteCases.named(scenes);
    }
    return EvalSuite.write(defs, dir.resolve("scenes"));
  }

  private static Integer count(List<String> scenes) {
    if (scenes.size() == 1 && scenes.get(0).matches("\\d+")) {
      int n = Integer.parseInt(scenes.get(0));
      if (n < 1) {
        throw new UserError("--scenes " + n + ": give at least 1");
      }
      return n;
    }
    return null;
  }

  private static void positive(String name, Integer v) {
    if (v != null && v < 1) {
      throw new UserError(name + " must be at least 1, got " + v);
    }
  }

  /** {@code learn} in this JVM, one run at a time, its output in the run's log. */
  static final class InProcess implements LearnLauncher {
    @Override
    public Outcome launch(List<String> args, Path logFile) throws IOException {
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      try (PrintStream log = new PrintStream(new FileOutputStream(logFile.toFile(), true), true,
          StandardCharsets.UTF_8)) {
        log.println("$ unmasked learn " + String.join(" ", args));
        long self = ProcessMemory.self();
        double base = ProcessMemory.residentMb(self);
        ProcessMemory.resetPeak();
        long t0 = System.nanoTime();
        int code;
        String error = null;
        LearnCommand cmd = new LearnCommand();
        try {
          new CommandLine(cmd).parseArgs(args.toArray(new String[0]));
          code = cmd.execute(log);
        } catch (CommandLine.ParameterException e) {
          code = 2;
          error = e.getMessage();
        } catch (Exception e) {
          code = Main.isUserFacing(e) ? 2 : 1;
          error = e.getMessage() != null ? e.getMessage() : e.toString();
          if (code == 1) {
            e.printStackTrace(log);
          }
        }
        if (error != null) {
          log.println("error: " + error);
          error = error + " (see " + logFile + ")";
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Outcome(code, secs, ProcessMemory.peakMb(self), base, error);
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
