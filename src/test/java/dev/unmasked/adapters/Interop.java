package dev.unmasked.adapters;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.testutil.Golden;
import java.nio.file.Path;

/** The interop fixtures copied into src/test/resources/golden/interop, and the tiny-sd model. */
final class Interop {
  private Interop() {}

  static Path ti(String name) {
    return Golden.path("interop/ti/" + name);
  }

  static Path lora(String name) {
    return Golden.path("interop/lora/" + name);
  }

  static LoadedModel tinySd(NDManager m) {
    return LoadedModel.load(Golden.path("tiny-sd"), m, DataType.FLOAT32);
  }
}
