package dev.unmasked.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unmasked.eval.ProcessMemory;
import dev.unmasked.model.unet.UNet2DConditionModel;

/**
 * Where the SD-1.5-shaped forward+backward's peak resident memory goes: RSS after loading, after a
 * forward pass with the graph kept (what autograd saved), and the peak during backward (VmHWM reset
 * with /proc/self/clear_refs before each phase). Not a test; run by hand:
 * {@code java -cp target/classes:target/test-classes:<deps> dev.unmasked.bench.Sd15MemoryProbe}.
 */
public final class Sd15MemoryProbe {
  private Sd15MemoryProbe() {}

  public static void main(String[] args) {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    try (NDManager m = NDManager.newBaseManager()) {
      report("start");
      UNet2DConditionModel unet = RandomModels.sd15Unet(m);
      report("loaded");
      Engine.getInstance().setRandomSeed(0);
      NDArray x = m.randomNormal(new Shape(1, 4, size, size));
      NDArray ctx = m.randomNormal(new Shape(1, 77, 768));
      NDArray t = m.create(500f);
      for (int round = 0; round < 2; round++) {
        try (NDScope s = new NDScope()) {
          resetPeak();
          unet.forward(x, t, ctx, null).sum().getFloat();
        }
        report("round " + round + " forward, no grad (after scope)");
        try (NDScope s = new NDScope();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          resetPeak();
          NDArray cg = ctx.duplicate();
          cg.setRequiresGradient(true);
          NDArray out = unet.forward(x, t, cg, null);
          NDArray loss = out.square().mean();
          loss.getFloat();
          report("round " + round + " forward with graph kept");
          resetPeak();
          gc.backward(loss);
          cg.getGradient().sum().getFloat();
          report("round " + round + " backward");
        }
        report("round " + round + " after scope");
      }
    }
  }

  private static void resetPeak() {
    if (!ProcessMemory.resetPeak()) {
      throw new IllegalStateException("cannot reset VmHWM through /proc/self/clear_refs");
    }
  }

  private static void report(String what) {
    long pid = ProcessMemory.self();
    System.out.printf(java.util.Locale.ROOT, "%-45s RSS %6.2f GiB, peak since reset %6.2f GiB%n",
        what, ProcessMemory.residentMb(pid) / 1024.0, ProcessMemory.peakMb(pid) / 1024.0);
  }
}
