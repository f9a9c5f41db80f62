package dev.unmasked.nn;

/**
 * Where {@link Params} gets stored weights: by full key, with the shape the layer needs. The model
 * package's {@code WeightBinder} implements it over safetensors files (missing, mis-shaped and
 * unused keys are errors there).
 */
public interface WeightSource {
  boolean has(String key);

  /** The tensor {@code key} as float32, C order, after checking it has {@code shape}. */
  float[] take(String key, long... shape);

  /** Fails if stored weights were not taken. */
  void finish();
}
