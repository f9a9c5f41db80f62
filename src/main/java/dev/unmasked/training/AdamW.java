package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (decoupled weight decay, bias-corrected moments, no amsgrad), over named
 * tensors updated in place. The moments live on the optimizer's own manager, created when the
 * optimizer is, so a per-step {@link NDScope} never frees them (design/RUNTIME.md, pitfall 2).
 *
 * <p>One step, per parameter p with gradient g, at step t (1-based) and learning rate lr:
 * {@code p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}, exactly torch's order.
 */
public final class AdamW implements AutoCloseable {

  /** Hyper-parameters; {@link #defaults()} are torch's (weight decay 1e-2). */
  public record Config(double beta1, double beta2, double eps, double weightDecay) {
    public static Config defaults() {
      return new Config(0.9, 0.999, 1e-8, 1e-2);
    }

    public Config withWeightDecay(double wd) {
      return new Config(beta1, beta2, eps, wd);
    }
  }

  private final Config config;
  private final Map<String, NDArray> params;
  private final NDManager manager;
  private final Map<String, NDArray> m = new LinkedHashMap<>();
  private final Map<String, NDArray> v = new LinkedHashMap<>();
  private long step;

  /** Optimises {@code params} (name -> tensor; each gets {@code requiresGradient}). */
  public AdamW(Config config, Map<String, NDArray> params) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("AdamW needs at least one parameter");
    }
    this.config = config;
    this.params = new LinkedHashMap<>(params);
    this.manager = params.values().iterator().next().getManager().newSubManager();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray p = e.getValue();
      m.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType()));
      v.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType()));
      p.setRequiresGradient(true);
    }
  }

  public Config config() {
    return config;
  }

  /** The parameters, by name. */
  public Map<String, NDArray> params() {
    return Collections.unmodifiableMap(params);
  }

  /** Steps taken so far (the t of the bias correction). */
  public long stepCount() {
    return step;
  }

  /** Applies one update with learning rate {@code lr} from the parameters' gradients, then zeroes them. */
  public void step(double lr) {
    step++;
    double c1 = 1 - Math.pow(config.beta1, step);
    double c2 = Math.sqrt(1 - Math.pow(config.beta2, step));
    double stepSize = lr / c1;
    try (NDScope scope = new NDScope()) {
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray p = e.getValue();
        NDArray g = p.getGradient();
        NDArray mk = m.get(e.getKey());
        NDArray vk = v.get(e.getKey());
        if (config.weightDecay != 0) {
          p.muli(1 - lr * config.weightDecay);
        }
        mk.muli(config.beta1).addi(g.mul(1 - config.beta1));
        vk.muli(config.beta2).addi(g.mul(g).muli(1 - config.beta2));
        NDArray denom = vk.sqrt().divi(c2).addi(config.eps);
        p.subi(mk.div(denom).muli(stepSize));
        g.muli(0);
      }
    }
  }

  /** First and second moments by parameter name, for checkpoints. */
  public Map<String, NDArray> firstMoments() {
    return Collections.unmodifiableMap(m);
  }

  public Map<String, NDArray> secondMoments() {
    return Collections.unmodifiableMap(v);
  }

  /** Restores moments and the step count (from a checkpoint). */
  public void restore(long stepCount, Map<String, float[]> first, Map<String, float[]> second) {
    for (String k : params.keySet()) {
      float[] a = first.get(k);
      float[] b = second.get(k);
      if (a == null || b == null) {
        throw new IllegalArgumentException("checkpoint has no optimizer moments for '" + k + "'");
      }
      Tensors.copyInto(m.get(k), a);
      Tensors.copyInto(v.get(k), b);
    }
    this.step = stepCount;
  }

  @Override
  public void close() {
    manager.close();
  }
}
