package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import dev.unmasked.io.MapTensorSource;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Map;

/** Model weights to and from safetensors files and in-memory tensor sources. */
final class WeightFiles {
  private WeightFiles() {}

  static void write(Path file, Map<String, NDArray> weights, Map<String, String> metadata)
      throws SafetensorsException {
    SafetensorsWriter w = new SafetensorsWriter();
    w.metadata("format", "pt");
    w.metadata(metadata);
    for (Map.Entry<String, NDArray> e : weights.entrySet()) {
      w.putF32(e.getKey(), e.getValue().toFloatArray(), e.getValue().getShape().getShape());
    }
    w.write(file);
  }

  /** Stored arrays (e.g. a checkpoint's EMA) as a source a model can bind. */
  static MapTensorSource source(Map<String, float[]> values, Map<String, NDArray> shapesFrom) {
    MapTensorSource s = new MapTensorSource("checkpoint");
    for (Map.Entry<String, NDArray> e : shapesFrom.entrySet()) {
      s.put(e.getKey(), values.get(e.getKey()), e.getValue().getShape().getShape());
    }
    return s;
  }

  static MapTensorSource source(Map<String, NDArray> tensors) {
    MapTensorSource s = new MapTensorSource("weights");
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      s.put(e.getKey(), e.getValue().toFloatArray(), e.getValue().getShape().getShape());
    }
    return s;
  }
}
