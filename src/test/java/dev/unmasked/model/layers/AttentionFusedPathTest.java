package dev.unmasked.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unmasked.nn.AtenOps;
import dev.unmasked.nn.Params;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * An attention layer whose scores reach {@link Attention#FUSED_MIN_SCORES} takes libtorch's fused
 * kernel; an observer that wants the probabilities forces the explicit softmax. Both give the same
 * output and, in float64, the same gradients of the input, the context and every weight.
 */
class AttentionFusedPathTest {

  /** Forces the explicit path without recording anything. */
  private static final AttentionObserver EXPLICIT = new AttentionObserver() {
    @Override
    public void onAttention(String modulePath, NDArray probs) {}
  };

  @Test
  void fusedAndExplicitPathsAgree() {
    Assumptions.assumeTrue(AtenOps.available(), "libtorch's fused ops are unavailable here ("
        + AtenOps.status() + "); the explicit path is the only one");
    long n = 1024; // 1024 x 1024 scores per head (self and cross): the fused threshold exactly
    assertTrue(n * n >= Attention.FUSED_MIN_SCORES);
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      NDArray x = m.randomNormal(new Shape(1, n, 32)).toType(DataType.FLOAT64, false);
      NDArray ctx = m.randomNormal(new Shape(1, n, 24)).toType(DataType.FLOAT64, false);
      double[][] fused = run(m, x, ctx, null);
      double[][] explicit = run(m, x, ctx, EXPLICIT);
      assertTrue(fused.length > 3 + 6, "expected the weights' gradients too");
      for (int i = 0; i < fused.length; i++) {
        assertArrayEquals(explicit[i], fused[i], 1e-11, "tensor " + i + " (0: output, 1: d input,"
            + " 2: d context, then the weights)");
      }
    }
  }

  /** Output, then gradients of x, context and every weight. */
  private static double[][] run(NDManager m, NDArray x, NDArray ctx, AttentionObserver observer) {
    Params p = Params.initialised(5, m, DataType.FLOAT64); // the same weights in every call
    Attention self = new Attention(p, "attn1", 32, 0, 2, 16, false, 0, 1e-5f, false);
    Attention cross = new Attention(p, "attn2", 32, 24, 2, 16, false, 0, 1e-5f, false);
    NDArray xs = x.duplicate();
    NDArray cs = ctx.duplicate();
    xs.setRequiresGradient(true);
    cs.setRequiresGradient(true);
    var weights = p.all().values().stream().toList();
    weights.forEach(w -> w.setRequiresGradient(true));
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray out = cross.forward(self.forward(xs, null, observer), cs, observer);
      gc.backward(out.mul(out.sin()).sum());
      double[][] r = new double[3 + weights.size()][];
      r[0] = out.toDoubleArray();
      r[1] = xs.getGradient().toDoubleArray();
      r[2] = cs.getGradient().toDoubleArray();
      for (int i = 0; i < weights.size(); i++) {
        r[3 + i] = weights.get(i).getGradient().toDoubleArray();
      }
      return r;
    }
  }
}
