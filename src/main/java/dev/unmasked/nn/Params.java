package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.model.WeightBinder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of one model, keyed by their diffusers/transformers state-dict name, created on
 * one manager in one dtype. Blocks ask for their tensors by full name in their constructors, so a
 * weight's name is the attribute path that leads to it.
 */
public final class Params {
  private final WeightBinder binder;
  private final NDManager manager;
  private final DataType dtype;
  private final Map<String, NDArray> byName = new LinkedHashMap<>();

  public Params(WeightBinder binder, NDManager manager, DataType dtype) {
    this.binder = binder;
    this.manager = manager;
    this.dtype = dtype;
  }

  public NDManager manager() {
    return manager;
  }

  public DataType dtype() {
    return dtype;
  }

  public boolean has(String key) {
    return binder.has(key);
  }

  /** Loads {@code key}, checking it has {@code shape}. */
  public NDArray get(String key, long... shape) {
    float[] data = binder.take(key, shape);
    NDArray a = manager.create(data, new Shape(shape));
    if (dtype != DataType.FLOAT32) {
      a = a.toType(dtype, false);
    }
    a.setName(key);
    byName.put(key, a);
    return a;
  }

  /** Optional weight: null when absent (e.g. a bias some checkpoints omit). */
  public NDArray getOptional(String key, long... shape) {
    return binder.has(key) ? get(key, shape) : null;
  }

  /** Checks that every stored tensor was used. */
  public void finish() {
    binder.finish();
  }

  /** Every loaded parameter by name, in load order. */
  public Map<String, NDArray> all() {
    return Collections.unmodifiableMap(byName);
  }
}
