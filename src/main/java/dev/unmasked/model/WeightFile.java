package dev.unmasked.model;

import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.ShardedSafetensors;
import dev.unmasked.io.TensorSource;
import java.nio.file.Path;

/**
 * The weights found for one component: a safetensors file, or a sharded set's {@code
 * *.safetensors.index.json}.
 *
 * @param path the {@code .safetensors} file or the index file
 * @param sharded whether {@code path} is an index of shards
 * @param fp16 whether this is the {@code .fp16} variant
 */
public record WeightFile(Path path, boolean sharded, boolean fp16) {

  /** Opens (and validates) the weights; the caller closes the source. */
  public TensorSource open() {
    try {
      return sharded ? ShardedSafetensors.open(path) : SafetensorsFile.open(path);
    } catch (SafetensorsException e) {
      throw new WeightLoadException(
          "cannot load weights: " + e.getMessage()
              + " (re-download or re-convert this file)", e);
    }
  }
}
