package dev.unmasked.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Matrix-multiply speed and accuracy through DJL/libtorch, for the MKL-on-AMD preload
 * (docs/KNOWN_ISSUES.md, docs/BENCHMARKS.md). Not a unit test. Run with the test classpath:
 *
 * <pre>
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *   -cp 'target/test-classes:target/classes:target/lib/*' dev.unmasked.bench.MatmulBench \
 *   [--repeats R] [--dump DIR] [--compare DIR]
 * </pre>
 *
 * Per shape: the median GFLOP/s over R timed calls (after warm-up), and the float32 result's largest
 * error against float64 on the same inputs, relative to the largest float64 value. Inputs are the
 * same in every process (fixed seed), so {@code --dump} in one run and {@code --compare} in another
 * (e.g. with and without the preload) give the largest difference between the two float32 results.
 */
public final class MatmulBench {
  private MatmulBench() {}

  private record Case(String name, Shape a, Shape b, double flops) {}

  private static final Case[] CASES = {
    // A UNet linear at SD's 64x64 level: 4096 tokens, 320 channels.
    new Case("matmul [4096,320]x[320,320]", new Shape(4096, 320), new Shape(320, 320),
        2.0 * 4096 * 320 * 320),
    new Case("linear x[4096,320] W[320,320]^T", new Shape(4096, 320), new Shape(320, 320),
        2.0 * 4096 * 320 * 320),
    // Attention at 32x32 latents, batch 2 x 8 heads of 40: scores = q k^T, out = p v.
    new Case("bmm q.k^T [16,1024,40]x[16,40,1024]", new Shape(16, 1024, 40),
        new Shape(16, 40, 1024), 2.0 * 16 * 1024 * 1024 * 40),
    new Case("bmm p.v [16,1024,1024]x[16,1024,40]", new Shape(16, 1024, 1024),
        new Shape(16, 1024, 40), 2.0 * 16 * 1024 * 1024 * 40),
  };

  public static void main(String[] args) throws IOException {
    int repeats = 15;
    Path dump = null;
    Path compare = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--dump" -> dump = Path.of(args[++i]);
        case "--compare" -> compare = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("# " + MachineInfo.describe());
    System.out.println("# LD_PRELOAD=" + System.getenv().getOrDefault("LD_PRELOAD", ""));
    if (dump != null) Files.createDirectories(dump);
    SplittableRandom rnd = new SplittableRandom(20261206L);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int c = 0; c < CASES.length; c++) {
        Case k = CASES[c];
        try (NDManager s = m.newSubManager()) {
          NDArray a = s.create(random(rnd, k.a.size()), k.a);
          NDArray b = s.create(random(rnd, k.b.size()), k.b);
          double[] gflops = time(k, a, b, repeats);
          float[] r32 = apply(k, a, b).toFloatArray();
          double[] r64 = apply(k, a.toType(DataType.FLOAT64, false), b.toType(DataType.FLOAT64, false))
              .toDoubleArray();
          double scale = 0;
          double err = 0;
          for (int i = 0; i < r64.length; i++) {
            scale = Math.max(scale, Math.abs(r64[i]));
            err = Math.max(err, Math.abs(r32[i] - r64[i]));
          }
          String line = String.format("%-38s median %7.1f GFLOP/s (min %6.1f max %6.1f, %d calls)"
              + "  f32-vs-f64 rel err %.2e", k.name, median(gflops), gflops[0],
              gflops[gflops.length - 1], repeats, err / scale);
          if (compare != null) {
            float[] other = read(compare.resolve("case" + c + ".f32"), r32.length);
            double d = 0;
            int differing = 0;
            for (int i = 0; i < r32.length; i++) {
              double di = Math.abs(r32[i] - other[i]);
              if (di > 0) differing++;
              d = Math.max(d, di);
            }
            line += String.format("  vs %s: max diff %.2e (rel %.2e), %d of %d differ", compare, d,
                d / scale, differing, r32.length);
          }
          System.out.println(line);
          if (dump != null) write(dump.resolve("case" + c + ".f32"), r32);
        }
      }
    }
  }

  private static NDArray apply(Case k, NDArray a, NDArray b) {
    if (k.name.startsWith("linear")) return Linear.linear(a, b).singletonOrThrow();
    if (k.a.dimension() == 3) return a.batchMatMul(b);
    return a.matMul(b);
  }

  /** GFLOP/s of each timed call, sorted. */
  private static double[] time(Case k, NDArray a, NDArray b, int repeats) {
    for (int i = 0; i < 3; i++) apply(k, a, b).close();
    double[] out = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      NDArray r = apply(k, a, b);
      long t1 = System.nanoTime();
      r.close();
      out[i] = k.flops / (t1 - t0);
    }
    Arrays.sort(out);
    return out;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static float[] random(SplittableRandom rnd, long n) {
    float[] x = new float[(int) n];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
    return x;
  }

  private static void write(Path p, float[] x) throws IOException {
    ByteBuffer bb = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bb.asFloatBuffer().put(x);
    Files.write(p, bb.array());
  }

  private static float[] read(Path p, int n) throws IOException {
    float[] x = new float[n];
    ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
    return x;
  }
}
