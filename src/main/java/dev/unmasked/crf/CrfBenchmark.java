package dev.unmasked.crf;

import dev.unmasked.io.SafetensorsFile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Speed benchmark of the dense CRF against the reference C++ timings: 512x512 and 64x64, 3 labels,
 * 5 iterations, on one thread and on all cores. "build" is {@link DenseCrf#prepare} (both lattices
 * and normalisers, the reference's setup); "inference" is {@link DenseCrf#infer} (mean field plus
 * argmax). Each figure is the median over the measured runs after warm-up runs; the thread
 * counts alternate run by run, so both see the same machine conditions.
 *
 * <p>Inputs are the golden cases {@code c512_l3} and {@code a64_l3} from {@code
 * <shared>/golden/densecrf} (the reference's own inputs) when present, otherwise synthetic images
 * and unaries from a fixed seed. Run:
 *
 * <pre>
 * java -cp target/unmasked.jar:target/lib/* dev.unmasked.crf.CrfBenchmark [--shared DIR]
 *     [--threads N] [--runs R] [--warmup W]
 * </pre>
 */
public final class CrfBenchmark {

  private record Case(String name, int width, int height, int labels, byte[] rgb, float[] unary,
      String source, double refBuildMs, double refInferMs, double refTotalMs) {}

  /** Wall-clock medians; cpuMs is the calling thread's CPU time (meaningful for 1 thread). */
  private record Timing(double buildMs, double inferMs, double totalMs, double cpuMs) {}

  private CrfBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path shared = Path.of(System.getProperty("unmasked.shared", "../shared"));
    int allCores = Runtime.getRuntime().availableProcessors();
    int runs = 11;
    int warmup = 30;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--shared" -> shared = Path.of(args[++i]);
        case "--threads" -> allCores = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        default -> {
          System.err.println(
              "usage: CrfBenchmark [--shared DIR] [--threads N] [--runs R] [--warmup W]");
          System.exit(2);
        }
      }
    }
    printMachine(allCores);
    if (allCores > 1) {
      System.out.printf(
          "parallel capacity now: a trivially parallel busy loop runs %.2fx faster on %d threads"
              + " than on 1 (below %d means other work is using the cores)%n",
          capacity(allCores), allCores, allCores);
    }
    List<Case> cases = new ArrayList<>();
    cases.add(load(shared, "c512_l3", 512, 512, 234.5, 158.2, 392.7));
    cases.add(load(shared, "a64_l3", 64, 64, 2.98, 2.52, 5.48));
    DenseCrf.Params params = DenseCrf.Params.DEFAULTS;

    System.out.println();
    System.out.println("| case | threads | build ms | inference ms | total ms | CPU ms of the"
        + " calling thread | reference total ms (build + inference), 1 thread | speed-up |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Case c : cases) {
      int warm = c.width * c.height >= 256 * 256 ? warmup : warmup * 20;
      int measured = c.width * c.height >= 256 * 256 ? runs : runs * 20;
      int[] threadCounts = allCores == 1 ? new int[] {1} : new int[] {1, allCores};
      Timing[] timings = time(c, params, threadCounts, warm, measured);
      float[] q1 = null;
      for (int k = 0; k < threadCounts.length; k++) {
        int threads = threadCounts[k];
        Timing t = timings[k];
        System.out.printf(
            "| %s %dx%d, %d labels, %d it (%s) | %d | %.2f | %.2f | **%.2f** | %s | %.2f (%.2f +"
                + " %.2f) | %.2fx |%n",
            c.name, c.width, c.height, c.labels, params.iterations(), c.source, threads,
            t.buildMs, t.inferMs, t.totalMs,
            threads == 1 ? String.format(java.util.Locale.ROOT, "%.2f", t.cpuMs) : "-",
            c.refTotalMs, c.refBuildMs, c.refInferMs, c.refTotalMs / t.totalMs);
        float[] q = DenseCrf.infer(c.rgb, c.width, c.height, c.unary, c.labels, params, threads).q();
        if (q1 == null) {
          q1 = q;
        } else {
          System.out.printf(
              "|   output of %d threads bit-identical to 1 thread: %s | | | | | | | |%n",
              threads, Arrays.equals(q1, q));
        }
      }
    }
  }

  /**
   * Times every thread count, alternating between them run by run so that all of them see the
   * same machine conditions (on a shared machine the speed drifts over seconds).
   */
  private static Timing[] time(
      Case c, DenseCrf.Params params, int[] threadCounts, int warm, int runs) {
    int k = threadCounts.length;
    double[][] build = new double[k][runs];
    double[][] infer = new double[k][runs];
    double[][] total = new double[k][runs];
    double[][] cpu = new double[k][runs];
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int r = -warm; r < runs; r++) {
      for (int j = 0; j < k; j++) {
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        DenseCrf crf = DenseCrf.prepare(c.rgb, c.width, c.height, params, threadCounts[j]);
        long t1 = System.nanoTime();
        DenseCrf.Result res = crf.infer(c.unary, c.labels, threadCounts[j]);
        long t2 = System.nanoTime();
        long c2 = mx.getCurrentThreadCpuTime();
        sink += res.labelMap()[res.labelMap().length / 2];
        if (r >= 0) {
          build[j][r] = (t1 - t0) / 1e6;
          infer[j][r] = (t2 - t1) / 1e6;
          total[j][r] = (t2 - t0) / 1e6;
          cpu[j][r] = (c2 - c0) / 1e6;
        }
      }
    }
    if (sink == Long.MIN_VALUE) {
      System.out.println(sink); // keeps the results observable
    }
    Timing[] out = new Timing[k];
    for (int j = 0; j < k; j++) {
      out[j] = new Timing(median(build[j]), median(infer[j]), median(total[j]), median(cpu[j]));
    }
    return out;
  }

  /** Speed-up of an embarrassingly parallel loop on {@code threads} threads: the ceiling now. */
  private static double capacity(int threads) {
    long work = 40_000_000L;
    double best1 = Double.MAX_VALUE;
    double bestN = Double.MAX_VALUE;
    double[] sink = new double[threads];
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      sink[0] += spin(work);
      long t1 = System.nanoTime();
      try (Parallel par = new Parallel(threads)) {
        par.forRange(threads, 1, (from, to) -> {
          for (int i = from; i < to; i++) {
            sink[i] += spin(work / threads);
          }
        });
      }
      long t2 = System.nanoTime();
      best1 = Math.min(best1, t1 - t0);
      bestN = Math.min(bestN, t2 - t1);
    }
    if (sink[0] == 42) {
      System.out.println(); // keeps the loop's result observable
    }
    return best1 / bestN;
  }

  private static double spin(long n) {
    double x = 0;
    for (long i = 0; i < n; i++) {
      x += Math.sqrt(i);
    }
    return x;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }

  private static Case load(
      Path shared, String name, int w, int h, double refBuild, double refInfer, double refTotal)
      throws IOException {
    Path p = shared.resolve("golden/densecrf/" + name + ".safetensors");
    if (Files.isRegularFile(p)) {
      try (SafetensorsFile f = SafetensorsFile.open(p)) {
        long[] img = f.longs("image");
        byte[] rgb = new byte[img.length];
        for (int i = 0; i < img.length; i++) {
          rgb[i] = (byte) img[i];
        }
        return new Case(name, w, h, 3, rgb, f.floats("unary"), "golden input", refBuild, refInfer,
            refTotal);
      }
    }
    // Synthetic stand-in: smooth colour regions plus noise, unaries from a blurred label map.
    SplittableRandom rnd = new SplittableRandom(42);
    byte[] rgb = new byte[w * h * 3];
    float[] prob = new float[3 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        int label = (x - w / 3) * (x - w / 3) + (y - h / 2) * (y - h / 2) < (w * w) / 25 ? 1
            : (x > 2 * w / 3 && y > h / 4 && y < 3 * h / 4) ? 2 : 0;
        for (int ch = 0; ch < 3; ch++) {
          int base = label == ch ? 200 : 60;
          rgb[i * 3 + ch] = (byte) Math.max(0, Math.min(255, base + rnd.nextInt(-30, 31)));
        }
        for (int l = 0; l < 3; l++) {
          prob[l * w * h + i] = (l == label ? 0.6f : 0.2f) + (float) rnd.nextDouble(0, 0.1);
        }
      }
    }
    System.out.println("note: " + p + " not found; " + name + " uses a synthetic input (seed 42)");
    return new Case(name, w, h, 3, rgb, DenseCrf.unaryFromProbabilities(prob, 3, w * h),
        "synthetic input", refBuild, refInfer, refTotal);
  }

  private static void printMachine(int threads) {
    String model = "unknown";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      model = System.getProperty("os.arch");
    }
    System.out.printf(
        "machine: %s, %d cores available to the JVM, %s %s; load average %.2f at start%n",
        model, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf("all-cores runs use %d threads%n", threads);
    System.out.println("reference: densecrf 2013 (pydensecrf), g++ -O3 -march=native, one thread,"
        + " same machine type (golden README)");
  }
}
