package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of one model, keyed by their diffusers/transformers state-dict name, created on
 * one manager in one dtype. Blocks ask for their tensors by full name in their constructors, so a
 * weight's name is the attribute path that leads to it.
 */
public final class Params {
  private final WeightSource binder;
  private final NDManager manager;
  private final DataType dtype;
  private final Map<String, NDArray> byName = new LinkedHashMap<>();
  private final Map<String, LinearLayer> linears = new LinkedHashMap<>();

  private final java.util.SplittableRandom init; // non-null: fresh initialisation, no binder

  public Params(WeightSource binder, NDManager manager, DataType dtype) {
    this.binder = binder;
    this.manager = manager;
    this.dtype = dtype;
    this.init = null;
  }

  private Params(long seed, NDManager manager, DataType dtype) {
    this.binder = null;
    this.manager = manager;
    this.dtype = dtype;
    this.init = new java.util.SplittableRandom(seed);
  }

  /**
   * Parameters initialised from a seed instead of loaded: PyTorch's defaults (uniform(+-1/sqrt(fan_in))
   * for conv/linear weights and biases, ones/zeros for norms, N(0, 0.02) for embeddings). For
   * training from scratch and for benchmarks with SD-shaped random weights.
   */
  public static Params initialised(long seed, NDManager manager, DataType dtype) {
    return new Params(seed, manager, dtype);
  }

  private float[] initialValues(String key, long[] shape) {
    int n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, (int) d);
    }
    float[] v = new float[n];
    String module = key.substring(0, key.lastIndexOf('.'));
    String leaf = module.substring(module.lastIndexOf('.') + 1);
    if (leaf.contains("norm")) { // norm1, group_norm, final_layer_norm, ...: identity affine
      if (key.endsWith(".weight")) {
        java.util.Arrays.fill(v, 1f);
      }
      return v;
    }
    if (key.endsWith(".bias")) {
      return v;
    }
    if (leaf.endsWith("_embedding")) { // CLIP token/position tables
      for (int i = 0; i < n; i++) {
        v[i] = (float) (0.02 * init.nextGaussian());
      }
      return v;
    }
    long fanIn = 1;
    for (int i = 1; i < shape.length; i++) {
      fanIn *= shape[i];
    }
    double bound = 1.0 / Math.sqrt(fanIn);
    for (int i = 0; i < n; i++) {
      v[i] = (float) init.nextDouble(-bound, bound);
    }
    return v;
  }

  public NDManager manager() {
    return manager;
  }

  public DataType dtype() {
    return dtype;
  }

  public boolean has(String key) {
    return binder != null && binder.has(key);
  }

  /** Loads {@code key}, checking it has {@code shape} (or initialises it, see {@link #initialised}). */
  public NDArray get(String key, long... shape) {
    float[] data = binder != null ? binder.take(key, shape) : initialValues(key, shape);
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
    if (binder != null) {
      binder.finish();
    }
  }

  /** Records a linear layer by its module path (LoRA targets are found this way). */
  void registerLinear(String name, LinearLayer layer) {
    linears.put(name, layer);
  }

  /** Every linear layer by module path, in load order. */
  public Map<String, LinearLayer> linearLayers() {
    return Collections.unmodifiableMap(linears);
  }

  /** Every loaded parameter by name, in load order. */
  public Map<String, NDArray> all() {
    return Collections.unmodifiableMap(byName);
  }
}
