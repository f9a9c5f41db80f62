package dev.unmasked.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Softmax over the last axis through DJL/libtorch: DJL's {@code softmax} against {@code
 * exp(logSoftmax)} (the UNet's current path, {@code nn.Ops.softmaxLast}), forward alone and forward +
 * backward, alternating the two in each round so page faults and warm-up hit both alike. Not a unit
 * test; run with the test classpath and the launcher's environment:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE GLIBC_TUNABLES=glibc.malloc.hugetlb=1 java -Dai.djl.offline=true \
 *   -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *   -cp 'target/test-classes:target/classes:target/lib/*' dev.unmasked.bench.SoftmaxBench [--repeats R]
 * </pre>
 */
public final class SoftmaxBench {
  private SoftmaxBench() {}

  private static final Shape[] SHAPES = {
    new Shape(64, 256, 77), // toy cross-attention scores: batch 32 x 2 heads, 16x16 tokens
    new Shape(64, 256, 256), // toy self-attention at 16x16
    new Shape(8, 1024, 1024), // SD self-attention at 32x32 latents, 8 heads
    new Shape(8, 4096, 4096), // SD self-attention at 64x64 latents, 8 heads
  };

  public static void main(String[] args) {
    int repeats = 7;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--repeats")) {
        repeats = Integer.parseInt(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("# " + MachineInfo.describe());
    System.out.println("# GLIBC_TUNABLES=" + System.getenv().getOrDefault("GLIBC_TUNABLES", "")
        + " OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", ""));
    UnaryOperator<NDArray> djl = x -> x.softmax(-1);
    UnaryOperator<NDArray> viaLog = x -> x.logSoftmax(-1).exp();
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(0);
      for (Shape s : SHAPES) {
        NDArray x = m.randomNormal(s).mul(3);
        double[][] t = new double[4][repeats];
        for (int r = -1; r < repeats; r++) { // round -1: warm-up
          double[] round = {
            time(x, djl, false), time(x, viaLog, false), time(x, djl, true), time(x, viaLog, true)
          };
          if (r >= 0) {
            for (int k = 0; k < 4; k++) {
              t[k][r] = round[k];
            }
          }
        }
        NDArray a = djl.apply(x);
        NDArray b = viaLog.apply(x);
        float diff = a.sub(b).abs().max().getFloat();
        System.out.printf(java.util.Locale.ROOT,
            "%-16s softmax %8.2f ms  exp(log_softmax) %8.2f ms | fwd+bwd softmax %8.2f ms  "
                + "exp(log_softmax) %8.2f ms | max |diff| %.2e (medians of %d)%n",
            s, median(t[0]), median(t[1]), median(t[2]), median(t[3]), diff, repeats);
        a.close();
        b.close();
        x.close();
      }
    }
  }

  private static double time(NDArray x, UnaryOperator<NDArray> f, boolean backward) {
    try (NDScope scope = new NDScope()) {
      if (!backward) {
        long t0 = System.nanoTime();
        NDArray y = f.apply(x);
        y.get(0).sum().getFloat();
        return (System.nanoTime() - t0) / 1e6;
      }
      NDArray w = x.getManager().randomNormal(x.getShape());
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray xg = x.duplicate();
        xg.setRequiresGradient(true);
        long t0 = System.nanoTime();
        NDArray y = f.apply(xg);
        gc.backward(y.mul(w).sum());
        xg.getGradient().get(0).sum().getFloat();
        return (System.nanoTime() - t0) / 1e6;
      }
    }
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
