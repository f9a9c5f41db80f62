package dev.unmasked.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * Ops.softmaxLast (libtorch's softmax) against the exp(log_softmax) path it replaced: values in
 * float32 and float64, and float64 gradients, on rows with large and masked-like (very negative)
 * entries.
 */
class SoftmaxTest {

  private static double[] data(int n) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = Math.sin(i * 0.37) * 6 + (i % 11 == 0 ? -60 : 0) + (i % 13 == 0 ? 25 : 0);
    }
    return d;
  }

  private static double[] grad(NDManager m, double[] data, boolean direct) {
    NDArray x = m.create(data, new Shape(2, 3, 5, 7));
    NDArray w = m.arange(data.length).toType(DataType.FLOAT64, false).reshape(2, 3, 5, 7).div(5).sin();
    x.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray p = direct ? Ops.softmaxLast(x) : x.logSoftmax(-1).exp();
      gc.backward(p.mul(w).sum());
    }
    return x.getGradient().toDoubleArray();
  }

  @Test
  void sameValuesAsExpLogSoftmax() {
    try (NDManager m = NDManager.newBaseManager()) {
      double[] d = data(210);
      NDArray x64 = m.create(d, new Shape(2, 3, 5, 7));
      assertArrayEquals(x64.logSoftmax(-1).exp().toDoubleArray(),
          Ops.softmaxLast(x64).toDoubleArray(), 1e-15);
      NDArray x32 = x64.toType(DataType.FLOAT32, false);
      float[] a = x32.logSoftmax(-1).exp().toFloatArray();
      float[] b = Ops.softmaxLast(x32).toFloatArray();
      assertArrayEquals(a, b, 1e-6f);
    }
  }

  @Test
  void sameFloat64GradientsAsExpLogSoftmax() {
    try (NDManager m = NDManager.newBaseManager()) {
      double[] d = data(210);
      assertArrayEquals(grad(m, d, false), grad(m, d, true), 1e-13);
    }
  }
}
