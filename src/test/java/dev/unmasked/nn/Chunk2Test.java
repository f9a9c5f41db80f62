package dev.unmasked.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Ops.chunk2 (GEGLU's split) against the two-slice path it replaced: values and float64 gradients. */
class Chunk2Test {

  private static double[] grad(NDManager m, double[] data, boolean split) {
    NDArray x = m.create(data, new Shape(2, 3, 8));
    NDArray w = m.arange(24).toType(DataType.FLOAT64, false).reshape(2, 3, 4).div(7);
    x.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray h;
      NDArray g;
      if (split) {
        NDArray[] p = Ops.chunk2(x);
        h = p[0];
        g = p[1];
      } else {
        h = x.get("..., 0:4");
        g = x.get("..., 4:");
      }
      gc.backward(h.mul(Ops.gelu(g)).mul(w).sum());
    }
    return x.getGradient().toDoubleArray();
  }

  @Test
  void sameValuesAndGradientsAsTwoSlices() {
    try (NDManager m = NDManager.newBaseManager()) {
      double[] data = new double[48];
      for (int i = 0; i < data.length; i++) {
        data[i] = Math.sin(i * 0.7) * 2;
      }
      NDArray x = m.create(data, new Shape(2, 3, 8));
      NDArray[] p = Ops.chunk2(x);
      assertArrayEquals(x.get("..., 0:4").toDoubleArray(), p[0].toDoubleArray());
      assertArrayEquals(x.get("..., 4:").toDoubleArray(), p[1].toDoubleArray());
      assertArrayEquals(grad(m, data, false), grad(m, data, true), 1e-12);
    }
  }
}
