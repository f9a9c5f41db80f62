package dev.unmasked.eval;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code learn} in a child JVM of the same classpath ({@code java -cp <this classpath>
 * dev.unmasked.cli.Main learn ...}), so that several runs can train side by side: DJL allows one
 * GradientCollector per JVM, so threads cannot. Each child gets this JVM's {@code -D} and {@code -X}
 * options (offline mode, project home, heap) with {@code threadsPerRun} libtorch threads, and
 * inherits the environment (the launcher's LD_PRELOAD and OpenMP settings). Its peak memory is read
 * from {@code /proc/<pid>/status} (VmHWM) while it runs.
 */
public final class ChildProcessLauncher implements LearnLauncher {
  static final String MAIN = "dev.unmasked.cli.Main";

  private final List<String> command;
  private final int jobs;
  /** Children still running: ended when this JVM ends (Ctrl-C), their last checkpoint kept for a resume. */
  private final java.util.Set<Process> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param jobs runs at once
   * @param threadsPerRun libtorch intra-op threads of each child
   */
  public ChildProcessLauncher(int jobs, int threadsPerRun) {
    this.jobs = jobs;
    this.command = javaCommand(threadsPerRun);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> live.forEach(Process::destroy)));
  }

  static List<String> javaCommand(int threads) {
    List<String> c = jvmCommand(threads);
    c.add("learn");
    return c;
  }

  /**
   * {@code java <this JVM's -D and -X options> -Dai.djl.pytorch.num_threads=T -cp <this classpath>
   * dev.unmasked.cli.Main}: a child JVM like this one with T libtorch threads, its arguments to be
   * appended (a mutable list).
   */
  public static List<String> jvmCommand(int threads) {
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean keep = (a.startsWith("-D") || a.startsWith("-X")) && !a.startsWith("-Dai.djl.pytorch.num_threads=")
          && !a.startsWith("-Xrunjdwp") && !a.startsWith("-Xdebug");
      if (keep) {
        c.add(a);
      }
    }
    for (String p : new String[] {"ai.djl.offline", "unmasked.home", "ai.djl.pytorch.num_interop_threads"}) {
      String v = System.getProperty(p);
      if (v != null && c.stream().noneMatch(x -> x.startsWith("-D" + p + "="))) {
        c.add("-D" + p + "=" + v);
      }
    }
    c.add("-Dai.djl.pytorch.num_threads=" + Math.max(1, threads));
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.add(MAIN);
    return c;
  }

  @Override
  public int parallelism() {
    return jobs;
  }

  /** The full command of one launch (for logs and tests). */
  public List<String> command(List<String> learnArgs) {
    List<String> c = new ArrayList<>(command);
    c.addAll(learnArgs);
    return c;
  }

  @Override
  public Outcome launch(List<String> learnArgs, Path logFile) throws IOException, InterruptedException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    List<String> cmd = command(learnArgs);
    Files.writeString(logFile, "$ " + String.join(" ", cmd) + System.lineSeparator(),
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    long t0 = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    dev.unmasked.console.LauncherEnvironment.apply(pb.environment());
    Process p = pb.start();
    live.add(p);
    double peak = Double.NaN;
    try {
      while (!p.waitFor(250, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        double v = ProcessMemory.peakMb(p.pid());
        if (!Double.isNaN(v)) {
          peak = Double.isNaN(peak) ? v : Math.max(peak, v);
        }
      }
    } catch (InterruptedException e) {
      p.destroy();
      throw e;
    } finally {
      live.remove(p);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    int code = p.exitValue();
    return new Outcome(code, secs, peak, 0, code == 0 || code == 3 ? null : lastError(logFile, code));
  }

  /** The child's "error: ..." line, else its last line, naming the log. */
  static String lastError(Path log, int code) {
    String last = "";
    try {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.startsWith("error: ") || line.contains("Exception")) {
          last = line.strip();
        }
      }
    } catch (IOException e) {
      // the log is unreadable: the status is all there is
    }
    return "learn exited with status " + code + (last.isEmpty() ? "" : ": " + last) + " (see " + log + ")";
  }
}
