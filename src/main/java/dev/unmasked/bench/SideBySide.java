package dev.unmasked.bench;

import dev.unmasked.UserError;
import dev.unmasked.io.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.LongToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench compare}: the routine of {@code shared/reference-bench/README.md} as one command.
 * The project's {@code bench unet} (and {@code bench train}) in child JVMs, diffusers'
 * {@code UNet2DConditionModel} through the reference's {@code pybench.py} ({@code pytrain.py}) on
 * Debian's PyTorch, the same network and inputs on both sides, processes alternated J, P, J, P per
 * row and thread count. Each side's figures are medians over all timed rounds of all its processes;
 * peak RSS is each process's VmHWM polled while it runs; the 1-minute load average is noted before
 * each process. Output: a markdown table, ratios Java time / PyTorch time.
 */
public final class SideBySide {
  private SideBySide() {}

  static final List<String> ROWS = List.of("tiny", "toy", "sd15");
  static final int TRAIN_BATCH = 32;
  static final String TINY_SD = "src/test/resources/golden/tiny-sd";
  static final String SD15_CONFIG = "dev/unmasked/convert/sd1-unet.json";
  static final String APT = "apt-get install -y python3-torch python3-numpy python3-pil python3-regex "
      + "python3-filelock python3-packaging python3-requests python3-tqdm python3-yaml "
      + "libopenblas0-pthread";

  /**
   * What to compare. {@code repeats} null: each row's default; {@code out} null: stdout only;
   * {@code work} holds the logs of every process and the toy UNet, made once and kept.
   */
  public record Settings(Path home, Path reference, Path diffusersSrc, Path python, List<String> rows,
      List<Integer> threads, int pairs, Integer repeats, boolean train, int trainSteps, Path out,
      Path work) {}

  /** How a child JVM is started (T threads, arguments to append) and how a child's VmHWM is read (MB). */
  public record Launch(IntFunction<List<String>> jvmCommand, LongToDoubleFunction peakMb) {}

  /** The timed rounds of one process, warm-up left out (ms). */
  record Timings(List<Double> fwd, List<Double> fwdBwd) {}

  /** Median, min and max of a sample. */
  record Stat(double median, double min, double max) {
    static Stat of(List<Double> v) {
      if (v.isEmpty()) {
        return new Stat(Double.NaN, Double.NaN, Double.NaN);
      }
      return new Stat(UNetBench.median(v.stream().mapToDouble(Double::doubleValue).toArray()),
          Collections.min(v), Collections.max(v));
    }
  }

  /** All processes of one side in one table line. */
  static final class SideRuns {
    final List<Double> fwd = new ArrayList<>();
    final List<Double> fwdBwd = new ArrayList<>();
    final List<Double> steps = new ArrayList<>();
    final List<Double> peakMb = new ArrayList<>();
  }

  /** One table line: a row (or the training step) at one thread count. */
  static final class Line {
    final String label;
    final int threads;
    final int rounds;
    final SideRuns java = new SideRuns();
    final SideRuns python = new SideRuns();
    final List<Double> loads = new ArrayList<>();

    Line(String label, int threads, int rounds) {
      this.label = label;
      this.threads = threads;
      this.rounds = rounds;
    }
  }

  // ---- checks -------------------------------------------------------------------------------

  /** Every input the run needs, before anything starts: names the option and what to do. */
  public static void check(Settings s) {
    if (s.diffusersSrc() == null) {
      throw new UserError("--diffusers-src is required: the src folder of diffusers 0.25.1 (in a clone "
          + "of github.com/huggingface/diffusers: git archive v0.25.1 src | tar -x -C DIR, then give "
          + "DIR/src); see docs/BENCHMARKS.md");
    }
    if (!Files.isRegularFile(s.diffusersSrc().resolve("diffusers/__init__.py"))) {
      throw new UserError("--diffusers-src " + s.diffusersSrc() + ": no diffusers/__init__.py there; "
          + "give diffusers' src folder, the one that holds diffusers/");
    }
    for (String f : List.of("pybench.py", "pytrain.py", "make_toy_unet.py", "stubs")) {
      if (!Files.exists(s.reference().resolve(f))) {
        throw new UserError("--reference " + s.reference() + ": no " + f + " there; give the "
            + "shared/reference-bench folder");
      }
    }
    if (!Files.isExecutable(s.python())) {
      throw new UserError("--python " + s.python() + ": not found or not executable; Debian's python3 "
          + "with torch comes from: " + APT);
    }
    for (String r : s.rows()) {
      if (!ROWS.contains(r)) {
        throw new UserError("--rows: unknown row '" + r + "'; choose from " + String.join(",", ROWS));
      }
    }
    if (s.rows().contains("tiny") && !Files.isDirectory(s.home().resolve(TINY_SD).resolve("unet"))) {
      throw new UserError("row tiny: " + s.home().resolve(TINY_SD) + " missing; run from a checkout "
          + "of the project (-Dunmasked.home) or leave tiny out of --rows");
    }
    if (s.threads().isEmpty() || s.threads().stream().anyMatch(t -> t < 1)) {
      throw new UserError("--threads: give thread counts of at least 1, e.g. 1,2");
    }
    if (s.pairs() < 1 || (s.repeats() != null && s.repeats() < 1) || s.trainSteps() < 1) {
      throw new UserError("--pairs, --repeats and --train-steps must be at least 1");
    }
    if (s.out() != null) {
      Path parent = s.out().toAbsolutePath().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new UserError("--out " + s.out() + ": folder " + parent + " does not exist; create it first");
      }
    }
  }

  static int repeats(Settings s, String row) {
    if (s.repeats() != null) {
      return s.repeats();
    }
    return switch (row) {
      case "tiny" -> 10;
      case "toy" -> 5;
      default -> 2;
    };
  }

  static String label(String row) {
    return switch (row) {
      case "tiny" -> "tiny-sd UNet, batch 2, 8x12";
      case "toy" -> "toy UNet, batch 32, 16x16";
      default -> "SD-1.5-shaped, batch 1, 64x64";
    };
  }

  // ---- the two sides' commands (the reference README's table) ------------------------------

  /** Arguments of the Java child after {@code dev.unmasked.cli.Main}. */
  static List<String> javaArgs(String row, Path tinySd, Path toy, int repeats) {
    List<String> a = new ArrayList<>(List.of("bench", "unet"));
    switch (row) {
      case "tiny" -> a.addAll(List.of("--model", tinySd.toString(), "--batch", "2", "--height", "8",
          "--width", "12"));
      case "toy" -> a.addAll(List.of("--model", toy.toString(), "--batch", "32", "--height", "16",
          "--width", "16"));
      default -> a.add("--sd15");
    }
    a.addAll(List.of("--repeats", Integer.toString(repeats)));
    return a;
  }

  /** The Python command: {@code python pybench.py THREADS ...}. */
  static List<String> pythonArgs(Path python, Path reference, String row, int threads, Path tinySd,
      Path toy, Path sd15Config, int repeats) {
    List<String> a = new ArrayList<>(List.of(python.toString(), reference.resolve("pybench.py").toString(),
        Integer.toString(threads)));
    switch (row) {
      case "tiny" -> a.addAll(List.of(tinySd.resolve("unet").toString(), "2", "8", "12"));
      case "toy" -> a.addAll(List.of(toy.resolve("unet").toString(), "32", "16", "16"));
      default -> a.addAll(List.of("--sd15", sd15Config.toString(), "1", "64", "64"));
    }
    a.add(Integer.toString(repeats));
    return a;
  }

  /** Both sides of every process: the launcher's OpenMP and malloc settings. */
  static Map<String, String> javaEnv(Map<String, String> base) {
    Map<String, String> e = new LinkedHashMap<>(base); // LD_PRELOAD (the launcher's) is kept
    dev.unmasked.console.LauncherEnvironment.apply(e);
    return e;
  }

  /**
   * The reference README's Python environment. The launcher's LD_PRELOAD is for libtorch in the
   * JVM; Python runs without it, as it did when the reference figures were taken from a shell.
   */
  static Map<String, String> pythonEnv(Map<String, String> base, Path reference, Path diffusersSrc) {
    Map<String, String> e = javaEnv(base);
    e.remove("OPENBLAS_CORETYPE"); // both force slower OpenBLAS kernels
    e.remove("OPENBLAS_L2_SIZE");
    e.remove("LD_PRELOAD");
    e.put("PYTHONPATH", reference.resolve("stubs") + ":" + diffusersSrc);
    e.put("HF_HUB_OFFLINE", "1");
    e.put("OPENBLAS_NUM_THREADS", "1");
    return e;
  }

  // ---- parsing ------------------------------------------------------------------------------

  private static final Pattern JAVA_ROUND = Pattern.compile(
      "^\\s*round (\\d+)( \\(warm-up\\))?: forward ([0-9.]+) ms, forward\\+backward ([0-9.]+) ms");
  private static final Pattern PY_ROUND = Pattern.compile(
      "^ROUND (\\d+)( warmup)? fwd_ms ([0-9.]+) fwdbwd_ms ([0-9.]+)");
  private static final Pattern STEP = Pattern.compile("^STEP (\\d+)( warmup)? ms ([0-9.]+)");

  /** {@code bench unet}'s {@code   round N: forward X ms, forward+backward Y ms, ...} lines. */
  static Timings parseJava(List<String> lines) {
    return rounds(lines, JAVA_ROUND);
  }

  /** pybench.py's {@code ROUND i fwd_ms X fwdbwd_ms Y} lines. */
  static Timings parsePython(List<String> lines) {
    return rounds(lines, PY_ROUND);
  }

  private static Timings rounds(List<String> lines, Pattern p) {
    List<Double> fwd = new ArrayList<>();
    List<Double> fb = new ArrayList<>();
    for (String line : lines) {
      Matcher m = p.matcher(line);
      if (m.find() && m.group(2) == null) {
        fwd.add(Double.parseDouble(m.group(3)));
        fb.add(Double.parseDouble(m.group(4)));
      }
    }
    return new Timings(fwd, fb);
  }

  /** {@code STEP i [warmup] ms X} lines, the same on both sides (TrainBench, pytrain.py). */
  static List<Double> parseSteps(List<String> lines) {
    List<Double> ms = new ArrayList<>();
    for (String line : lines) {
      Matcher m = STEP.matcher(line);
      if (m.find() && m.group(2) == null) {
        ms.add(Double.parseDouble(m.group(3)));
      }
    }
    return ms;
  }

  static double parseLoad(String loadavg) {
    return Double.parseDouble(loadavg.trim().split("\\s+")[0]);
  }

  static double loadAverage() {
    try {
      return parseLoad(Files.readString(Path.of("/proc/loadavg")));
    } catch (IOException | RuntimeException e) {
      return Double.NaN; // not Linux
    }
  }

  // ---- formatting ---------------------------------------------------------------------------

  /** {@code median (min-max)} in ms, or in s from a median of one second up. */
  static String timeCell(Stat s) {
    if (Double.isNaN(s.median())) {
      return "-";
    }
    boolean sec = s.median() >= 1000;
    double f = sec ? 1e-3 : 1;
    String fmt = sec ? "%.2f" : s.median() >= 100 ? "%.0f" : "%.1f";
    return String.format(Locale.ROOT, fmt + " %s (" + fmt + "-" + fmt + ")", s.median() * f,
        sec ? "s" : "ms", s.min() * f, s.max() * f);
  }

  static String ratio(double java, double python) {
    return Double.isNaN(java) || Double.isNaN(python) || python == 0 ? "-"
        : String.format(Locale.ROOT, "%.2f", java / python);
  }

  /** Range of values with the given format; "-" when there are none. */
  static String range(List<Double> v, String fmt, String unit) {
    List<Double> ok = v.stream().filter(d -> !Double.isNaN(d)).toList();
    if (ok.isEmpty()) {
      return "-";
    }
    String lo = String.format(Locale.ROOT, fmt, Collections.min(ok));
    String hi = String.format(Locale.ROOT, fmt, Collections.max(ok));
    return (lo.equals(hi) ? lo : lo + "-" + hi) + unit;
  }

  private static String gib(List<Double> mb) {
    return range(mb.stream().map(x -> x / 1024).toList(), "%.2f", " GiB");
  }

  static String unetTable(List<Line> lines) {
    StringBuilder b = new StringBuilder("| network, input | threads | processes x rounds | Java fwd | "
        + "PyTorch fwd | ratio | Java fwd+bwd | PyTorch fwd+bwd | ratio | peak RSS Java | "
        + "peak RSS PyTorch | load |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Line l : lines) {
      Stat jf = Stat.of(l.java.fwd);
      Stat pf = Stat.of(l.python.fwd);
      Stat jb = Stat.of(l.java.fwdBwd);
      Stat pb = Stat.of(l.python.fwdBwd);
      b.append(String.join(" | ", "| " + l.label, Integer.toString(l.threads),
          l.java.peakMb.size() + " x " + l.rounds, timeCell(jf), timeCell(pf),
          ratio(jf.median(), pf.median()), timeCell(jb), timeCell(pb), ratio(jb.median(), pb.median()),
          gib(l.java.peakMb), gib(l.python.peakMb), range(l.loads, "%.2f", ""))).append(" |\n");
    }
    return b.toString();
  }

  static String trainTable(List<Line> lines, int batch) {
    StringBuilder b = new StringBuilder("| training step | threads | processes x steps | Java step | "
        + "PyTorch step | ratio | Java samples/s | PyTorch samples/s | peak RSS Java | "
        + "peak RSS PyTorch | load |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Line l : lines) {
      Stat j = Stat.of(l.java.steps);
      Stat p = Stat.of(l.python.steps);
      b.append(String.join(" | ", "| " + l.label, Integer.toString(l.threads),
          l.java.peakMb.size() + " x " + l.rounds, timeCell(j), timeCell(p), ratio(j.median(), p.median()),
          samplesPerS(batch, j.median()), samplesPerS(batch, p.median()), gib(l.java.peakMb),
          gib(l.python.peakMb), range(l.loads, "%.2f", ""))).append(" |\n");
    }
    return b.toString();
  }

  private static String samplesPerS(int batch, double medianMs) {
    return Double.isNaN(medianMs) ? "-" : String.format(Locale.ROOT, "%.1f", batch / (medianMs / 1e3));
  }

  // ---- the run ------------------------------------------------------------------------------

  /**
   * Runs the comparison and returns the report (machine line, tables, the command that produced
   * it), which is also written to {@code out} when given. One progress line per process goes to
   * {@code progress}.
   */
  public static String run(Settings s, Launch launch, String commandLine, PrintStream progress)
      throws IOException, InterruptedException {
    check(s);
    Map<String, String> pyEnv = pythonEnv(System.getenv(), s.reference(), s.diffusersSrc());
    Map<String, String> jEnv = javaEnv(System.getenv());
    ChildRun children = new ChildRun(s.work().resolve("logs"), launch.peakMb());
    String pythonInfo = checkPython(s, pyEnv, children);
    Path tinySd = s.home().resolve(TINY_SD).toAbsolutePath().normalize();
    Path toy = s.rows().contains("toy") || s.train() ? toyUnet(s, pyEnv, children, progress) : null;
    Path sd15 = s.rows().contains("sd15") ? sd15Config(s) : null;

    List<Line> unet = new ArrayList<>();
    for (String row : s.rows()) {
      int r = repeats(s, row);
      for (int t : s.threads()) {
        Line line = new Line(label(row), t, r);
        unet.add(line);
        for (int pair = 0; pair < s.pairs(); pair++) {
          List<String> jc = launch.jvmCommand().apply(t);
          jc.addAll(javaArgs(row, tinySd, toy, r));
          ChildRun.Result j = timed(children, "Java", row, line, line.java, jc, jEnv);
          Timings jt = expect(parseJava(j.stdout()), r, j.out());
          line.java.fwd.addAll(jt.fwd());
          line.java.fwdBwd.addAll(jt.fwdBwd());
          progress(progress, "Java", row, line, j, jt);
          ChildRun.Result p = timed(children, "PyTorch", row, line, line.python,
              pythonArgs(s.python(), s.reference(), row, t, tinySd, toy, sd15, r), pyEnv);
          Timings pt = expect(parsePython(p.stdout()), r, p.out());
          line.python.fwd.addAll(pt.fwd());
          line.python.fwdBwd.addAll(pt.fwdBwd());
          progress(progress, "PyTorch", row, line, p, pt);
        }
      }
    }
    List<Line> train = new ArrayList<>();
    if (s.train()) {
      for (int t : s.threads()) {
        Line line = new Line("toy UNet, batch " + TRAIN_BATCH + ", 16x16", t, s.trainSteps());
        train.add(line);
        String steps = Integer.toString(s.trainSteps());
        for (int pair = 0; pair < s.pairs(); pair++) {
          List<String> jc = launch.jvmCommand().apply(t);
          jc.addAll(List.of("bench", "train", "--threads", Integer.toString(t), "--steps", steps,
              "--batch", Integer.toString(TRAIN_BATCH)));
          ChildRun.Result j = timed(children, "Java", "train", line, line.java, jc, jEnv);
          List<Double> js = expectSteps(parseSteps(j.stdout()), s.trainSteps(), j.out());
          line.java.steps.addAll(js);
          progress(progress, "Java", "train", line, j, new Timings(js, List.of()));
          ChildRun.Result p = timed(children, "PyTorch", "train", line, line.python,
              List.of(s.python().toString(), s.reference().resolve("pytrain.py").toString(),
                  Integer.toString(t), steps, toy.resolve("unet").toString()), pyEnv);
          List<Double> ps = expectSteps(parseSteps(p.stdout()), s.trainSteps(), p.out());
          line.python.steps.addAll(ps);
          progress(progress, "PyTorch", "train", line, p, new Timings(ps, List.of()));
        }
      }
    }
    String report = report(pythonInfo, unet, train, commandLine);
    if (s.out() != null) {
      AtomicFile.write(s.out(), report.getBytes(StandardCharsets.UTF_8));
    }
    return report;
  }

  /** One process of a table line: the load before it, its peak RSS after it, its exit checked. */
  private static ChildRun.Result timed(ChildRun children, String side, String row, Line line,
      SideRuns runs, List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
    line.loads.add(loadAverage());
    ChildRun.Result r = children.run(side + "-" + row + "-t" + line.threads, cmd, env)
        .orFail(side + " " + row + " with " + line.threads + " thread(s)");
    runs.peakMb.add(r.peakMb());
    return r;
  }

  private static void progress(PrintStream out, String side, String row, Line line, ChildRun.Result r,
      Timings t) {
    String times = t.fwdBwd().isEmpty() ? "step " + timeCell(Stat.of(t.fwd()))
        : "fwd " + timeCell(Stat.of(t.fwd())) + ", fwd+bwd " + timeCell(Stat.of(t.fwdBwd()));
    out.printf(Locale.ROOT, "%s %s, %d thread(s): %s, peak %.2f GiB, load %.2f, %.1f s (%s)%n", side,
        row, line.threads, times, r.peakMb() / 1024, line.loads.get(line.loads.size() - 1), r.seconds(),
        r.out());
  }

  static String report(String pythonInfo, List<Line> unet, List<Line> train, String commandLine) {
    StringBuilder b = new StringBuilder();
    b.append("machine: ").append(MachineInfo.machine())
        .append(" (each process with the threads of its row)").append('\n');
    b.append("python: ").append(pythonInfo).append('\n');
    b.append("\nMedians (min-max) over all timed rounds of all processes of each side, processes "
        + "alternated Java, PyTorch; ratio = Java time / PyTorch time; peak RSS = VmHWM of each "
        + "process; load = 1-minute load average before each process.\n\n");
    if (!unet.isEmpty()) {
      b.append(unetTable(unet));
    }
    if (!train.isEmpty()) {
      b.append(unet.isEmpty() ? "" : "\n").append(trainTable(train, TRAIN_BATCH));
    }
    b.append("\ncommand: ").append(commandLine).append('\n');
    return b.toString();
  }

  private static Timings expect(Timings t, int repeats, Path log) {
    if (t.fwd().size() != repeats) {
      throw new UserError("expected " + repeats + " timed rounds, found " + t.fwd().size() + " in "
          + log + " (has the output format of bench unet or pybench.py changed?)");
    }
    return t;
  }

  private static List<Double> expectSteps(List<Double> steps, int n, Path log) {
    if (steps.size() != n) {
      throw new UserError("expected " + n + " timed steps, found " + steps.size() + " in " + log);
    }
    return steps;
  }

  /** torch and diffusers importable in the environment the runs get; their versions. */
  private static String checkPython(Settings s, Map<String, String> env, ChildRun children)
      throws IOException, InterruptedException {
    ChildRun.Result r = children.run("check-python", List.of(s.python().toString(), "-c",
        "import torch; import diffusers; print('torch', torch.__version__, 'diffusers', "
            + "diffusers.__version__, 'from', diffusers.__file__)"), env);
    if (r.code() != 0) {
      String err = String.join("\n", r.stderrTail(8));
      if (err.contains("No module named 'torch'")) {
        throw new UserError(s.python() + " cannot import torch; install Debian's PyTorch with: " + APT);
      }
      throw new UserError(s.python() + " cannot import torch and diffusers (PYTHONPATH "
          + env.get("PYTHONPATH") + "; the packages diffusers needs: " + APT + "):\n" + err);
    }
    return s.python() + ", " + String.join(" ", r.stdout());
  }

  /** make_toy_unet.py's folder ({@code unet/} and model_index.json), written once and then reused. */
  private static Path toyUnet(Settings s, Map<String, String> env, ChildRun children, PrintStream progress)
      throws IOException, InterruptedException {
    Path dir = s.work().resolve("toy-unet").toAbsolutePath();
    if (Files.isRegularFile(dir.resolve("unet/diffusion_pytorch_model.safetensors"))
        && Files.isRegularFile(dir.resolve("unet/config.json"))) {
      return dir;
    }
    if (Files.exists(dir)) {
      throw new UserError(dir + " is incomplete (no unet/config.json and "
          + "unet/diffusion_pytorch_model.safetensors); delete it and run again");
    }
    // written beside and renamed in, so that an interrupted run leaves no half folder to reuse
    Path tmp = dir.resolveSibling("toy-unet.tmp-" + ProcessHandle.current().pid());
    progress.println("writing the toy UNet with make_toy_unet.py into " + dir);
    children.run("make-toy-unet", List.of(s.python().toString(),
        s.reference().resolve("make_toy_unet.py").toString(), tmp.toString()), env)
        .orFail("make_toy_unet.py");
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    return dir;
  }

  /** The bundled config {@code bench unet --sd15} uses: the source file, else copied from the jar. */
  private static Path sd15Config(Settings s) throws IOException {
    Path src = s.home().resolve("src/main/resources").resolve(SD15_CONFIG);
    if (Files.isRegularFile(src)) {
      return src.toAbsolutePath().normalize();
    }
    Path copy = s.work().resolve("sd1-unet.json").toAbsolutePath();
    try (InputStream in = SideBySide.class.getResourceAsStream("/" + SD15_CONFIG)) {
      if (in == null) {
        throw new IllegalStateException("bundled config " + SD15_CONFIG + " missing from the jar");
      }
      Files.createDirectories(copy.getParent());
      AtomicFile.write(copy, in.readAllBytes());
    }
    return copy;
  }
}
