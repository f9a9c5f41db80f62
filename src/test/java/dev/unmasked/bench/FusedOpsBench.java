package dev.unmasked.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unmasked.nn.AtenOps;
import dev.unmasked.nn.OpsPaths;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * libtorch's fused silu, group_norm and scaled_dot_product_attention ({@code nn.AtenOps}) against
 * the composed DJL paths ({@code nn.OpsPaths}), forward alone and forward + backward (gradients to
 * every input), the two alternated in each round. Shapes of the toy UNet (batch 32, 16x16 and 8x8
 * latents), tiny-sd and SD at 64x64. Not a unit test; run like {@link SoftmaxBench}:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE GLIBC_TUNABLES=glibc.malloc.hugetlb=1 LD_PRELOAD="$(bash src/main/native/preload.sh)" \
 *   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *   -cp 'target/test-classes:target/classes:target/lib/*' dev.unmasked.bench.FusedOpsBench [--repeats R] [--sd]
 * </pre>
 */
public final class FusedOpsBench {
  private FusedOpsBench() {}

  private record Case(String name, Shape[] shapes, Function<NDArray[], NDArray> fused,
      Function<NDArray[], NDArray> composed) {}

  private static Case silu(String name, Shape s) {
    return new Case("silu " + name + " " + s, new Shape[] {s}, a -> AtenOps.silu(a[0]),
        a -> OpsPaths.siluComposed(a[0]));
  }

  private static Case groupNorm(String name, Shape s, int groups) {
    Shape c = new Shape(s.get(1));
    return new Case("group_norm " + name + " " + s + " g" + groups, new Shape[] {s, c, c},
        a -> AtenOps.groupNorm(a[0], groups, a[1], a[2], 1e-5),
        a -> OpsPaths.groupNormComposed(a[0], groups, a[1], a[2], 1e-5f));
  }

  private static Case attention(String name, Shape q, Shape kv) {
    double scale = 1 / Math.sqrt(q.get(q.dimension() - 1));
    return new Case("attention " + name + " q" + q + " kv" + kv, new Shape[] {q, kv, kv},
        a -> AtenOps.attention(a[0], a[1], a[2], scale),
        a -> OpsPaths.attentionExplicit(a[0], a[1], a[2], scale));
  }

  public static void main(String[] args) {
    int repeats = 7;
    boolean sd = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--sd" -> sd = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (!AtenOps.available()) {
      throw new IllegalStateException("fused operators not available: " + AtenOps.status());
    }
    System.out.println("# " + MachineInfo.describe());
    List<Case> cases = new java.util.ArrayList<>(List.of(
        silu("toy 16x16", new Shape(32, 128, 16, 16)),
        silu("toy 8x8", new Shape(32, 128, 8, 8)),
        groupNorm("toy 16x16", new Shape(32, 64, 16, 16), 32),
        groupNorm("toy 8x8", new Shape(32, 128, 8, 8), 32),
        groupNorm("toy up 16x16", new Shape(32, 192, 16, 16), 32),
        groupNorm("toy up 8x8", new Shape(32, 384, 8, 8), 32),
        groupNorm("toy 16x16 c128", new Shape(32, 128, 16, 16), 32),
        attention("toy self 16x16", new Shape(64, 256, 32), new Shape(64, 256, 32)),
        attention("toy self 8x8", new Shape(128, 64, 32), new Shape(128, 64, 32)),
        attention("toy cross 16x16", new Shape(64, 256, 32), new Shape(64, 77, 32)),
        attention("tiny self", new Shape(4, 96, 32), new Shape(4, 96, 32)),
        groupNorm("tiny", new Shape(2, 32, 8, 12), 32)));
    if (sd) {
      cases.add(silu("SD 64x64", new Shape(1, 320, 64, 64)));
      cases.add(groupNorm("SD 64x64", new Shape(1, 320, 64, 64), 32));
      cases.add(attention("SD self 32x32", new Shape(8, 1024, 80), new Shape(8, 1024, 80)));
      cases.add(attention("SD self 64x64", new Shape(8, 4096, 40), new Shape(8, 4096, 40)));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(0);
      for (Case c : cases) {
        NDArray[] in = new NDArray[c.shapes().length];
        for (int i = 0; i < in.length; i++) {
          in[i] = m.randomNormal(c.shapes()[i]);
        }
        double[][] t = new double[4][repeats];
        for (int r = -1; r < repeats; r++) { // round -1: warm-up
          double[] round = {time(in, c.fused(), false), time(in, c.composed(), false),
              time(in, c.fused(), true), time(in, c.composed(), true)};
          if (r >= 0) {
            for (int k = 0; k < 4; k++) {
              t[k][r] = round[k];
            }
          }
        }
        float diff;
        try (NDScope scope = new NDScope()) {
          diff = c.fused().apply(in).sub(c.composed().apply(in)).abs().max().getFloat();
        }
        System.out.printf(java.util.Locale.ROOT,
            "%-52s fwd fused %8.2f ms composed %8.2f ms | fwd+bwd fused %8.2f ms composed %8.2f ms"
                + " | max |diff| %.1e (medians of %d)%n",
            c.name(), median(t[0]), median(t[1]), median(t[2]), median(t[3]), diff, repeats);
        for (NDArray a : in) {
          a.close();
        }
      }
    }
  }

  private static double time(NDArray[] in, Function<NDArray[], NDArray> f, boolean backward) {
    try (NDScope scope = new NDScope()) {
      if (!backward) {
        long t0 = System.nanoTime();
        NDArray y = f.apply(in);
        y.get(0).sum().getFloat();
        return (System.nanoTime() - t0) / 1e6;
      }
      NDArray[] xs = new NDArray[in.length];
      for (int i = 0; i < in.length; i++) {
        xs[i] = in[i].duplicate();
        xs[i].setRequiresGradient(true);
      }
      NDArray w = null;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        long t0 = System.nanoTime();
        NDArray y = f.apply(xs);
        if (w == null) {
          w = y.getManager().ones(y.getShape());
        }
        gc.backward(y.mul(w).sum());
        xs[0].getGradient().get(0).sum().getFloat();
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
