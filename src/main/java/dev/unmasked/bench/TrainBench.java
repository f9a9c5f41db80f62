package dev.unmasked.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unmasked.model.unet.UNet2DConditionConfig;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.nn.Params;
import dev.unmasked.training.AdamW;
import dev.unmasked.training.TrainRng;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A full training step of a UNet: every weight trainable, noise-prediction MSE, backward, AdamW;
 * the same work as the reference's {@code pytrain.py} (random latents [B, 4, h, w] and random text
 * states [B, 77, D], t uniform), so samples/s compare directly.
 */
public final class TrainBench {
  private TrainBench() {}

  /** Median step time in ms over {@code steps} timed steps after two warm-up steps. */
  public static double[] run(UNet2DConditionConfig cfg, int batch, int h, int w, int steps,
      PrintStream out) {
    try (NDManager m = NDManager.newBaseManager()) {
      UNet2DConditionModel unet = new UNet2DConditionModel(cfg, Params.initialised(0, m, DataType.FLOAT32));
      TrainRng rng = new TrainRng(1);
      double[] ms = new double[steps];
      try (AdamW opt = new AdamW(AdamW.Config.defaults().withWeightDecay(0.01), unet.parameters())) {
        for (int i = 0; i < steps + 2; i++) {
          long t0 = System.nanoTime();
          try (NDScope s = new NDScope()) {
            NDArray x = m.create(rng.gaussians(batch * cfg.inChannels() * h * w), new Shape(batch, cfg.inChannels(), h, w));
            NDArray ctx = m.create(rng.gaussians(batch * 77 * cfg.crossAttentionDim()),
                new Shape(batch, 77, cfg.crossAttentionDim()));
            NDArray eps = m.create(rng.gaussians((int) x.size()), x.getShape());
            long[] t = new long[batch];
            for (int k = 0; k < batch; k++) {
              t[k] = rng.nextInt(1000);
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray loss = unet.forward(x, m.create(t), ctx, null).sub(eps).square().mean();
              gc.backward(loss);
              loss.getFloat();
            }
            opt.step(1e-4);
          }
          double el = (System.nanoTime() - t0) / 1e6;
          if (i >= 2) {
            ms[i - 2] = el;
          }
          out.printf(Locale.ROOT, "STEP %d%s ms %.1f%n", i, i < 2 ? " warmup" : "", el);
        }
      }
      return ms;
    }
  }
}
