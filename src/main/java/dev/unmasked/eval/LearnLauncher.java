package dev.unmasked.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs {@code learn} with a command line ({@link LearnArgs}), its output going to a log file. The
 * command itself lives in the CLI package, so the evaluation asks for it through this interface:
 * in this JVM (one run at a time: DJL allows one open GradientCollector per JVM) or in child JVMs
 * ({@link ChildProcessLauncher}), which can run side by side.
 */
public interface LearnLauncher {

  /**
   * What a launch did.
   *
   * @param code {@code learn}'s exit status: 0 finished, 3 stopped early (resumable), 2 bad input
   * @param seconds wall time of this launch
   * @param peakRssMb the peak resident memory while it ran (NaN if unknown)
   * @param baseRssMb resident memory of the process when the run started (in this JVM: what
   *     earlier work left; 0 for a child process)
   * @param error a one-line message when it failed, else null
   */
  record Outcome(int code, double seconds, double peakRssMb, double baseRssMb, String error) {}

  Outcome launch(List<String> learnArgs, Path logFile) throws IOException, InterruptedException;

  /** How many launches may run at once. */
  default int parallelism() {
    return 1;
  }
}
