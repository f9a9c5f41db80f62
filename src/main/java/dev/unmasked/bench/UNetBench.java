package dev.unmasked.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.unet.UNet2DConditionConfig;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.nn.Params;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Times one UNet step: forward (no grad), and forward + backward with gradients to the text
 * context only (what token learning needs). Reports medians over repeats.
 */
public final class UNetBench {
  private UNetBench() {}

  public record Result(double forwardMs, double forwardBackwardMs, long params) {}

  public static Result run(UNet2DConditionModel unet, int batch, int h, int w, int repeats,
      PrintStream log) {
    return run(unet, batch, h, w, repeats, false, log);
  }

  /**
   * @param checkpointed forward+backward with activation checkpointing per block
   *     ({@link UNet2DConditionModel#checkpointedBackward})
   */
  public static Result run(UNet2DConditionModel unet, int batch, int h, int w, int repeats,
      boolean checkpointed, PrintStream log) {
    UNet2DConditionConfig c = unet.config();
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(0);
      NDArray x = m.randomNormal(new Shape(batch, c.inChannels(), h, w));
      NDArray ctx = m.randomNormal(new Shape(batch, 77, c.crossAttentionDim()));
      NDArray t = m.create(500f);
      double[] fwd = new double[repeats];
      double[] fb = new double[repeats];
      double fwdRound = 0;
      double fbRound = 0;
      for (int i = 0; i < repeats + 1; i++) { // first round is warm-up
        try (NDScope s = new NDScope()) {
          long t0 = System.nanoTime();
          NDArray out = unet.forward(x, t, ctx, null);
          out.sum().getFloat();
          long t1 = System.nanoTime();
          fwdRound = (t1 - t0) / 1e6;
          if (i > 0) {
            fwd[i - 1] = fwdRound;
          }
        }
        try (NDScope s = new NDScope();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          long t0 = System.nanoTime();
          if (checkpointed) {
            unet.checkpointedBackward(x, t, ctx, out -> out.square().mean()).contextGradient()
                .sum().getFloat();
          } else {
            NDArray cg = ctx.duplicate();
            cg.setRequiresGradient(true);
            NDArray out = unet.forward(x, t, cg, null);
            gc.backward(out.square().mean());
            cg.getGradient().sum().getFloat();
          }
          long t1 = System.nanoTime();
          fbRound = (t1 - t0) / 1e6;
          if (i > 0) {
            fb[i - 1] = fbRound;
          }
        }
        if (log != null) {
          log.printf(java.util.Locale.ROOT, "  round %d%s: forward %.1f ms, forward+backward %.1f ms, "
              + "peak RSS %.2f GB%n", i, i == 0 ? " (warm-up)" : "", fwdRound, fbRound,
              MachineInfo.peakRssKb() / 1048576.0);
        }
      }
      long n = unet.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
      return new Result(median(fwd), median(fb), n);
    }
  }

  public static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }



}
