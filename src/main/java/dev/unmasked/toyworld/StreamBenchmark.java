package dev.unmasked.toyworld;

import java.util.Locale;

/**
 * Measures the training stream's throughput (scenes rendered to {@code float[]} per second) for 1
 * thread and for all processors. Run: {@code java -cp target/unmasked.jar
 * dev.unmasked.toyworld.StreamBenchmark [scenes]}; the numbers go to docs/BENCHMARKS.md.
 */
public final class StreamBenchmark {

  private StreamBenchmark() {}

  public static void main(String[] args) {
    int scenes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int all = Runtime.getRuntime().availableProcessors();
    for (int threads : all > 1 ? new int[] {1, all} : new int[] {1}) {
      try (TrainingStream s = new TrainingStream(0, SceneOptions.training(), threads, 8 * threads)) {
        for (int i = 0; i < 500; i++) {
          s.next(); // warm-up (JIT)
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < scenes; i++) {
          s.next();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "threads %d: %d scenes in %.2f s = %.0f scenes/s%n", threads, scenes, secs,
            scenes / secs);
      }
    }
  }
}
