package dev.unmasked.model.unet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.testutil.Golden;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * d(loss)/d(encoder_hidden_states) through the whole tiny UNet: the path that trains concept
 * tokens. float32 autograd must agree with a float64 central finite difference (and with float64
 * autograd everywhere).
 */
class UNetGradientTest {

  static UNet2DConditionModel load(NDManager m, DataType dt) throws Exception {
    return UNet2DConditionModel.load(ConfigJson.read(Golden.path("tiny-sd/unet/config.json")),
        SafetensorsFile.open(Golden.path("tiny-sd/unet/diffusion_pytorch_model.safetensors")), m,
        dt);
  }

  /** loss = sum(unet(x, t, ctx) * r) + sum(mean attention probs of the first attn2 * q). */
  static NDArray loss(UNet2DConditionModel u, NDArray x, NDArray ctx, NDArray r, NDArray q) {
    NDArray[] probs = new NDArray[1];
    NDArray out = u.forward(x, x.getManager().create(412f), ctx, (path, p) -> {
      if (probs[0] == null && path.endsWith("attn2")) {
        probs[0] = p.mean(new int[] {1});
      }
    });
    return out.mul(r).sum().add(probs[0].mul(q).sum());
  }

  @Test
  void contextGradientMatchesFloat64FiniteDifference() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      UNet2DConditionModel u32 = load(m, DataType.FLOAT32);
      UNet2DConditionModel u64 = load(m, DataType.FLOAT64);
      NDManager g = m.newSubManager();
      ai.djl.engine.Engine.getInstance().setRandomSeed(5);
      NDArray x = m.randomNormal(new Shape(1, 4, 8, 8)).toType(DataType.FLOAT64, false);
      NDArray ctx = m.randomNormal(new Shape(1, 77, 32)).toType(DataType.FLOAT64, false);
      NDArray r = m.randomNormal(new Shape(1, 4, 8, 8)).toType(DataType.FLOAT64, false);
      NDArray q = m.randomNormal(new Shape(1, 64, 77)).mul(10).toType(DataType.FLOAT64, false);

      double[] grad32;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray c = ctx.toType(DataType.FLOAT32, false);
        c.setRequiresGradient(true);
        gc.backward(loss(u32, x.toType(DataType.FLOAT32, false), c,
            r.toType(DataType.FLOAT32, false), q.toType(DataType.FLOAT32, false)));
        grad32 = c.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
      }
      double[] grad64;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray c = ctx.duplicate();
        c.setRequiresGradient(true);
        gc.backward(loss(u64, x, c, r, q));
        grad64 = c.getGradient().toDoubleArray();
      }
      double scale = 0;
      double worst = 0;
      for (int i = 0; i < grad64.length; i++) {
        scale = Math.max(scale, Math.abs(grad64[i]));
        worst = Math.max(worst, Math.abs(grad32[i] - grad64[i]));
      }
      assertTrue(scale > 1e-3, "gradient is not trivially zero");
      assertTrue(worst <= 1e-3 * scale, "float32 vs float64 autograd: " + worst + " of " + scale);

      double[] base = ctx.toDoubleArray();
      SplittableRandom rnd = new SplittableRandom(11);
      double h = 1e-5;
      for (int k = 0; k < 8; k++) {
        // Probe the prompt's first tokens, which the gradient is concentrated on, and any others.
        int i = k < 4 ? rnd.nextInt(5 * 32) : rnd.nextInt(base.length);
        double[] plus = base.clone();
        double[] minus = base.clone();
        plus[i] += h;
        minus[i] -= h;
        double fp;
        double fm;
        try (NDManager s = g.newSubManager()) {
          fp = loss(u64, x, s.create(plus, ctx.getShape()), r, q).getDouble();
          fm = loss(u64, x, s.create(minus, ctx.getShape()), r, q).getDouble();
        }
        double fd = (fp - fm) / (2 * h);
        assertTrue(Math.abs(fd - grad32[i]) <= 1e-3 * Math.max(Math.abs(fd), 1e-2 * scale),
            "coordinate " + i + ": float32 autograd " + grad32[i] + " vs float64 FD " + fd);
      }
    }
  }
}
