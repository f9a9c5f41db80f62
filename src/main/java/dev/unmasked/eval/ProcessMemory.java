package dev.unmasked.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory from Linux's {@code /proc/<pid>/status}: VmRSS (now) and VmHWM (the peak since
 * the process started or since the peak was reset by writing 5 to {@code /proc/self/clear_refs}).
 * NaN where the files cannot be read (not Linux).
 */
public final class ProcessMemory {
  private ProcessMemory() {}

  /** VmHWM of a process, MB. */
  public static double peakMb(long pid) {
    return field(Path.of("/proc/" + pid + "/status"), "VmHWM:");
  }

  /** VmRSS of a process, MB. */
  public static double residentMb(long pid) {
    return field(Path.of("/proc/" + pid + "/status"), "VmRSS:");
  }

  public static long self() {
    return ProcessHandle.current().pid();
  }

  /** Resets this process's peak to its current resident size; false where the kernel refuses. */
  public static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The value of a {@code Name:   123 kB} line, in MB. */
  static double field(Path status, String name) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(name)) {
          return parseKb(line.substring(name.length())) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  static double parseKb(String rest) {
    String v = rest.trim();
    int sp = v.indexOf(' ');
    return Double.parseDouble(sp < 0 ? v : v.substring(0, sp));
  }
}
