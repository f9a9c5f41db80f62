package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of weights, as diffusers' {@code EMAModel} with its warm-up: after
 * update number n the decay is {@code min(decay, (1 + n) / (10 + n))}, so early averages do not
 * hold on to the random initialisation.
 */
public final class Ema implements AutoCloseable {
  private final double decay;
  private final Map<String, NDArray> source;
  private final NDManager manager;
  private final Map<String, NDArray> shadow = new LinkedHashMap<>();
  private long updates;

  public Ema(double decay, Map<String, NDArray> params) {
    if (!(decay > 0 && decay < 1)) {
      throw new IllegalArgumentException("EMA decay must be in (0, 1), got " + decay);
    }
    this.decay = decay;
    this.source = new LinkedHashMap<>(params);
    this.manager = params.values().iterator().next().getManager().newSubManager();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray copy = e.getValue().duplicate();
      copy.attach(manager);
      shadow.put(e.getKey(), copy);
    }
  }

  /** The decay the next update will use. */
  public double currentDecay() {
    return Math.min(decay, (1.0 + updates) / (10.0 + updates));
  }

  public void update() {
    double d = currentDecay();
    try (NDScope scope = new NDScope()) {
      for (Map.Entry<String, NDArray> e : source.entrySet()) {
        NDArray s = shadow.get(e.getKey());
        s.muli(d).addi(e.getValue().mul(1 - d));
      }
    }
    updates++;
  }

  public long updates() {
    return updates;
  }

  /** The averaged weights, by name. */
  public Map<String, NDArray> weights() {
    return Collections.unmodifiableMap(shadow);
  }

  public void restore(long updateCount, Map<String, float[]> values) {
    for (String k : shadow.keySet()) {
      float[] a = values.get(k);
      if (a == null) {
        throw new IllegalArgumentException("checkpoint has no EMA weights for '" + k + "'");
      }
      Tensors.copyInto(shadow.get(k), a);
    }
    this.updates = updateCount;
  }

  @Override
  public void close() {
    manager.close();
  }
}
