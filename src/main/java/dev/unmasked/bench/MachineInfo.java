package dev.unmasked.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One line naming the machine a benchmark ran on: CPU model, cores, memory, JVM, threads. */
public final class MachineInfo {
  private MachineInfo() {}

  public static String describe() {
    return machine() + ", torch threads "
        + System.getProperty("ai.djl.pytorch.num_threads", "default");
  }

  /** The machine and runtime without this process's thread count (for reports of child runs). */
  public static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // not Linux: keep "unknown CPU"
    }
    long memGb = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal")) {
          memGb = Long.parseLong(line.replaceAll("[^0-9]", "")) / (1024 * 1024);
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // leave 0
    }
    return String.format("%s, %d cores, %d GiB RAM, Java %s, DJL 0.36.0 / libtorch 2.7.1 CPU",
        cpu, Runtime.getRuntime().availableProcessors(), memGb, System.getProperty("java.version"));
  }

  /** Peak resident set of this process (VmHWM, kB), or -1 where /proc is not there. */
  public static long peakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // not Linux
    }
    return -1;
  }
}
