package dev.unmasked.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Float32 autograd against float64 (RUNTIME pitfall 1: libtorch's CPU conv returned wrong input
 * gradients for some channel counts). Each op's input gradient in float32 must match the float64
 * gradient, which in turn must match a float64 central finite difference.
 */
class GradientCheckTest {

  /** Input gradient of sum(f(x) * r) at x, computed in the given dtype. */
  static double[] grad(NDManager m, Function<NDArray, NDArray> f, double[] x, Shape xs, double[] r,
      DataType dtype) {
    try (NDManager s = m.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray in = s.create(x, xs).toType(dtype, false);
      in.setRequiresGradient(true);
      NDArray out = f.apply(in);
      NDArray w = s.create(r, out.getShape()).toType(dtype, false);
      gc.backward(out.mul(w).sum());
      return in.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }
  }

  static double value(NDManager m, Function<NDArray, NDArray> f, double[] x, Shape xs, double[] r) {
    try (NDManager s = m.newSubManager()) {
      NDArray out = f.apply(s.create(x, xs));
      return out.mul(s.create(r, out.getShape())).sum().getDouble();
    }
  }

  static void check(String what, Function<NDArray, NDArray> f32, Function<NDArray, NDArray> f64,
      Shape xs, long outSize) {
    SplittableRandom rnd = new SplittableRandom(42);
    double[] x = new double[(int) xs.size()];
    for (int i = 0; i < x.length; i++) x[i] = rnd.nextDouble(-1, 1);
    double[] r = new double[(int) outSize];
    for (int i = 0; i < r.length; i++) r[i] = rnd.nextDouble(-1, 1);
    try (NDManager m = NDManager.newBaseManager()) {
      double[] g32 = grad(m, f32, x, xs, r, DataType.FLOAT32);
      double[] g64 = grad(m, f64, x, xs, r, DataType.FLOAT64);
      double scale = 0;
      for (double v : g64) scale = Math.max(scale, Math.abs(v));
      double worst = 0;
      for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(g32[i] - g64[i]));
      assertTrue(worst <= 1e-4 * Math.max(scale, 1), what + ": float32 vs float64 input gradient "
          + "differs by " + worst + " (scale " + scale + ")");
      // float64 autograd against a float64 central difference on a few coordinates.
      double h = 1e-6;
      for (int k = 0; k < 6; k++) {
        int i = rnd.nextInt(x.length);
        double[] xp = x.clone();
        double[] xm = x.clone();
        xp[i] += h;
        xm[i] -= h;
        double fd = (value(m, f64, xp, xs, r) - value(m, f64, xm, xs, r)) / (2 * h);
        assertTrue(Math.abs(fd - g64[i]) <= 1e-6 * Math.max(1, Math.abs(fd)),
            what + ": float64 gradient " + g64[i] + " vs finite difference " + fd + " at " + i);
      }
    }
  }

  /** Weights of the op under test, made once in float64 and cast per run. */
  static Function<NDArray, NDArray> withWeights(double[] w, Shape ws, double[] b,
      java.util.function.BiFunction<NDArray, NDArray[], NDArray> op) {
    return x -> {
      NDManager m = x.getManager();
      NDArray wa = m.create(w, ws).toType(x.getDataType(), false);
      NDArray ba = b == null ? null : m.create(b, new Shape(b.length)).toType(x.getDataType(), false);
      return op.apply(x, new NDArray[] {wa, ba});
    };
  }

  static double[] rand(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) a[i] = r.nextDouble(-0.5, 0.5);
    return a;
  }

  @ParameterizedTest(name = "conv3x3 out_channels={0}")
  @ValueSource(ints = {3, 4, 16, 20, 32})
  void conv2d(int cout) {
    int cin = 8;
    Shape ws = new Shape(cout, cin, 3, 3);
    Function<NDArray, NDArray> f = withWeights(rand((int) ws.size(), 1), ws, rand(cout, 2),
        (x, wb) -> Ops.conv2d(x, wb[0], wb[1], 1, 1));
    check("conv2d " + cout, f, f, new Shape(2, cin, 6, 7), 2L * cout * 6 * 7);
  }

  @ParameterizedTest(name = "conv stride 2 out_channels={0}")
  @ValueSource(ints = {4, 16})
  void conv2dStride2(int cout) {
    Shape ws = new Shape(cout, 8, 3, 3);
    Function<NDArray, NDArray> f = withWeights(rand((int) ws.size(), 3), ws, rand(cout, 4),
        (x, wb) -> Ops.conv2d(x, wb[0], wb[1], 2, 1));
    check("conv2d s2 " + cout, f, f, new Shape(2, 8, 7, 6), 2L * cout * 4 * 3);
  }

  @ParameterizedTest(name = "groupNorm groups={0}")
  @ValueSource(ints = {1, 4, 8})
  void groupNorm(int groups) {
    Function<NDArray, NDArray> f = withWeights(rand(8, 5), new Shape(8), rand(8, 6),
        (x, wb) -> Ops.groupNorm(x, groups, wb[0], wb[1], 1e-5f));
    check("groupNorm " + groups, f, f, new Shape(2, 8, 5, 3), 2L * 8 * 5 * 3);
  }

  @ParameterizedTest(name = "upsample to {0}")
  @ValueSource(ints = {0, 1})
  void upsampleNearest(int odd) {
    Function<NDArray, NDArray> f = x -> Ops.upsampleNearest(x, 8 - odd, 10 - odd);
    check("upsample", f, f, new Shape(2, 3, 4, 5), 2L * 3 * (8 - odd) * (10 - odd));
  }

  @ParameterizedTest(name = "attention heads={0}")
  @ValueSource(ints = {1, 2})
  void attention(int heads) {
    // softmax(Q K^T / sqrt(d)) V with Q from x, fixed K/V: the path a cross-attention loss takes.
    int d = 8;
    Shape ws = new Shape(d, d);
    double[] wq = rand(64, 7);
    double[] kv = rand(2 * 5 * d, 8);
    Function<NDArray, NDArray> f = x -> {
      NDManager m = x.getManager();
      NDArray w = m.create(wq, ws).toType(x.getDataType(), false);
      NDArray k = m.create(kv, new Shape(2, 5, d)).toType(x.getDataType(), false);
      NDArray q = Ops.linear(x, w, null);
      long hd = d / heads;
      NDArray qh = q.reshape(2, 6, heads, hd).transpose(0, 2, 1, 3);
      NDArray kh = k.reshape(2, 5, heads, hd).transpose(0, 2, 1, 3);
      NDArray p = Ops.mulScalar(qh.matMul(kh.transpose(0, 1, 3, 2)), 1 / Math.sqrt(hd)).softmax(-1);
      NDArray out = p.matMul(kh).transpose(0, 2, 1, 3).reshape(-1);
      return out.concat(p.reshape(-1), 0); // the output and the probabilities both get a loss
    };
    check("attention " + heads, f, f, new Shape(2, 6, d), 2L * 6 * d + 2L * heads * 6 * 5);
  }
}
