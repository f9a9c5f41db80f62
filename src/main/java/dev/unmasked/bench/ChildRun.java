package dev.unmasked.bench;

import dev.unmasked.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongToDoubleFunction;

/**
 * Child processes of a benchmark, one at a time: stdout to {@code NN-name.out} and stderr (headed by
 * the command) to {@code NN-name.out.err} in a log folder, the peak resident set polled while the
 * child runs (the caller's VmHWM reader), children ended when this JVM ends.
 */
final class ChildRun {
  /** A finished child: exit status, stdout lines, peak RSS (MB; NaN where unreadable), wall time. */
  record Result(int code, List<String> stdout, double peakMb, double seconds, Path out, Path err) {
    List<String> stderrTail(int k) {
      try {
        List<String> all = new String(Files.readAllBytes(err), StandardCharsets.UTF_8).lines().toList();
        return all.subList(Math.max(0, all.size() - k), all.size());
      } catch (IOException e) {
        return List.of("(" + err + " unreadable)");
      }
    }

    /** This result, or a UserError naming {@code what}, the status and the last stderr lines. */
    Result orFail(String what) {
      if (code != 0) {
        throw new UserError(what + " exited with status " + code + "; its last stderr lines (" + err
            + "):\n" + String.join("\n", stderrTail(15)));
      }
      return this;
    }
  }

  private final Path logDir;
  private final LongToDoubleFunction peakMb;
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private int n;

  ChildRun(Path logDir, LongToDoubleFunction peakMb) {
    this.logDir = logDir.toAbsolutePath();
    this.peakMb = peakMb;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> live.forEach(Process::destroy)));
  }

  /** Runs {@code cmd} with exactly {@code env} to its end. */
  Result run(String name, List<String> cmd, Map<String, String> env)
      throws IOException, InterruptedException {
    Files.createDirectories(logDir);
    n++;
    Path out = logDir.resolve(String.format(Locale.ROOT, "%02d-%s.out", n, name));
    Path err = logDir.resolve(out.getFileName() + ".err");
    Files.writeString(err, "$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
    pb.environment().clear();
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    live.add(p);
    double peak = Double.NaN;
    try {
      do { // VmHWM is gone once the child has exited, so read it while it runs
        double v = peakMb.applyAsDouble(p.pid());
        if (!Double.isNaN(v)) {
          peak = Double.isNaN(peak) ? v : Math.max(peak, v);
        }
      } while (!p.waitFor(200, TimeUnit.MILLISECONDS));
    } finally {
      if (p.isAlive()) {
        p.destroy();
      }
      live.remove(p);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    List<String> lines = new String(Files.readAllBytes(out), StandardCharsets.UTF_8).lines().toList();
    return new Result(p.exitValue(), lines, peak, secs, out, err);
  }
}
