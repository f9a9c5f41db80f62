package dev.unmasked.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Chooses libtorch's intra-op thread count while a long run goes on: all cores when the rest of the
 * machine is idle, one when another process is busy. Two threads on a core that another process
 * holds ran many times slower than one (design/RUNTIME.md), so a background training run must step
 * aside. Reads {@code /proc/stat} (all CPU time) and {@code /proc/self/stat} (this process's);
 * where they cannot be read (not Linux) it leaves the thread count alone.
 */
public final class ThreadGovernor {
  private final int maxThreads;
  private long lastTotalBusy = -1;
  private long lastSelf;
  private long lastWall;
  private int current;

  /** As many threads as the launcher allows ({@code -Dai.djl.pytorch.num_threads}, else all cores). */
  public static ThreadGovernor fromLauncher() {
    return new ThreadGovernor(Integer.getInteger("ai.djl.pytorch.num_threads",
        Runtime.getRuntime().availableProcessors()));
  }

  /** {@code maxThreads}: the most threads to use (the launcher's setting). */
  public ThreadGovernor(int maxThreads) {
    this.maxThreads = Math.max(1, maxThreads);
    ai.djl.engine.Engine.getInstance(); // loads libtorch
    this.current = ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }

  /** Threads in use now. */
  public int threads() {
    return current;
  }

  /**
   * Re-measures other processes' CPU use since the last call and sets the thread count; returns
   * it. Call every few seconds, between steps.
   */
  public int adjust() {
    long[] now = sample();
    if (now == null) {
      return current;
    }
    long wall = System.nanoTime();
    if (lastTotalBusy >= 0) {
      double secs = (wall - lastWall) / 1e9;
      double ticks = 100.0; // USER_HZ on Linux
      double others = ((now[0] - lastTotalBusy) - (now[1] - lastSelf)) / ticks / secs; // cores
      int free = (int) Math.floor(Runtime.getRuntime().availableProcessors() - others + 0.3);
      int want = Math.max(1, Math.min(maxThreads, free));
      if (want != current) {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(want);
        current = want;
      }
    }
    lastTotalBusy = now[0];
    lastSelf = now[1];
    lastWall = wall;
    return current;
  }

  private static long[] sample() {
    try {
      String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0); // cpu user nice system idle ...
      String[] f = cpu.trim().split("\\s+");
      long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])
          + (f.length > 7 ? Long.parseLong(f[6]) + Long.parseLong(f[7]) : 0);
      String self = Files.readString(Path.of("/proc/self/stat"));
      String[] s = self.substring(self.lastIndexOf(')') + 2).split(" ");
      long mine = Long.parseLong(s[11]) + Long.parseLong(s[12]); // utime, stime
      return new long[] {busy, mine};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
