package dev.unmasked.model.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link UNet2DConditionModel#checkpointedBackward} against the ordinary backward pass through the
 * tiny UNet (cross-attention and plain blocks, skips, the time embedding) in float64: the same loss,
 * the same gradient of the context and of every weight.
 */
class CheckpointedBackwardTest {

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  private static void assertClose(double[] want, double[] got, String what) {
    assertEquals(want.length, got.length, what);
    double scale = Math.max(maxAbs(want), 1e-30);
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(want[i] - got[i]));
    }
    assertTrue(worst <= 1e-10 * scale, what + ": differs by " + worst + " of " + scale);
  }

  @Test
  void sameLossAndGradientsAsTheOrdinaryBackward() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      UNet2DConditionModel plain = UNetGradientTest.load(m, DataType.FLOAT64);
      UNet2DConditionModel ckpt = UNetGradientTest.load(m, DataType.FLOAT64);
      plain.parameters().values().forEach(p -> p.setRequiresGradient(true));
      ckpt.parameters().values().forEach(p -> p.setRequiresGradient(true));
      Engine.getInstance().setRandomSeed(3);
      NDArray x = m.randomNormal(new Shape(2, 4, 8, 8)).toType(DataType.FLOAT64, false);
      NDArray ctx = m.randomNormal(new Shape(2, 77, 32)).toType(DataType.FLOAT64, false);
      NDArray r = m.randomNormal(new Shape(2, 4, 8, 8)).toType(DataType.FLOAT64, false);
      NDArray t = m.create(new float[] {412f, 37f});

      double lossPlain;
      double[] ctxPlain;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray c = ctx.duplicate();
        c.setRequiresGradient(true);
        NDArray loss = plain.forward(x, t, c, null).mul(r).sum();
        lossPlain = loss.getDouble();
        gc.backward(loss);
        ctxPlain = c.getGradient().toDoubleArray();
      }
      double lossCkpt;
      double[] ctxCkpt;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        UNet2DConditionModel.CheckpointedPass pass =
            ckpt.checkpointedBackward(x, t, ctx, out -> out.mul(r).sum());
        lossCkpt = pass.loss().getDouble();
        assertNotNull(pass.contextGradient(), "the context reaches the loss through attention");
        ctxCkpt = pass.contextGradient().toDoubleArray();
      }
      assertEquals(lossPlain, lossCkpt, 1e-12 * Math.abs(lossPlain));
      assertClose(ctxPlain, ctxCkpt, "context gradient");
      Map<String, NDArray> a = plain.parameters();
      Map<String, NDArray> b = ckpt.parameters();
      int compared = 0;
      for (String k : a.keySet()) {
        assertClose(a.get(k).getGradient().toDoubleArray(), b.get(k).getGradient().toDoubleArray(),
            "gradient of " + k);
        compared++;
      }
      assertTrue(compared > 100, "weights compared: " + compared);
    }
  }
}
