package dev.unmasked.toyworld.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JudgeNetTest {

  /**
   * Float32 gradients of every weight agree with a float64 run of the same network (RUNTIME.md
   * pitfall 1 made 3x3 conv gradients silently wrong for some channel counts).
   */
  @Test
  void float32GradientsMatchFloat64() {
    try (NDManager m = NDManager.newBaseManager()) {
      JudgeNet net32 = JudgeNet.create(m, JudgeNet.initialValues(3));
      Map<String, NDArray> p64 = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : net32.params().entrySet()) {
        e.getValue().setRequiresGradient(true);
        NDArray d = e.getValue().toType(DataType.FLOAT64, true);
        d.setRequiresGradient(true);
        p64.put(e.getKey(), d);
      }
      JudgeNet net64 = new JudgeNet(p64);
      float[] x = new float[2 * 3 * 64 * 64];
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextDouble(-1, 1);
      }
      NDArray in = m.create(x, new Shape(2, 3, 64, 64));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(net32.forward(in).logits().square().sum());
      }
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(net64.forward(in.toType(DataType.FLOAT64, true)).logits().square().sum());
      }
      for (String k : net32.params().keySet()) {
        float[] g = net32.params().get(k).getGradient().toFloatArray();
        double[] g64 = p64.get(k).getGradient().toDoubleArray();
        double num = 0;
        double den = 0;
        for (int i = 0; i < g.length; i++) {
          num += (g[i] - g64[i]) * (g[i] - g64[i]);
          den += g64[i] * g64[i];
        }
        assertTrue(den > 0, k + " has no gradient");
        assertTrue(Math.sqrt(num / den) < 1e-4, k + " relative gradient error " + Math.sqrt(num / den));
      }
    }
  }

  @Test
  void groupNormNormalisesEachGroup() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] x = new float[2 * 16 * 4 * 4];
      SplittableRandom r = new SplittableRandom(2);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (3 + 5 * r.nextDouble());
      }
      NDArray y = JudgeNet.groupNorm(m.create(x, new Shape(2, 16, 4, 4)), m.ones(new Shape(16)), m.zeros(new Shape(16)));
      NDArray g = y.reshape(2, JudgeNet.GROUPS, -1);
      assertArrayEquals(new float[16], g.mean(new int[] {2}).toFloatArray(), 1e-5f);
      float[] var = g.square().mean(new int[] {2}).toFloatArray();
      for (float v : var) {
        assertTrue(Math.abs(v - 1) < 1e-3, "group variance " + v);
      }
    }
  }
}
