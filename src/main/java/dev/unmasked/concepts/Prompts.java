package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.pipeline.LoadedModel;
import java.util.List;

/** Token ids and text states of training prompts. */
final class Prompts {
  private Prompts() {}

  static long[] ids(LoadedModel model, List<String> prompts) {
    long[] l = new long[prompts.size() * 77];
    for (int i = 0; i < prompts.size(); i++) {
      int[] ids = model.tokenizer().encodePadded(prompts.get(i));
      for (int j = 0; j < 77; j++) {
        l[i * 77 + j] = ids[j];
      }
    }
    return l;
  }

  /** [B, 77, D] last hidden states (through the extra token rows, so gradients reach them). */
  static NDArray encode(LoadedModel model, NDManager m, List<String> prompts) {
    NDArray ids = m.create(ids(model, prompts), new Shape(prompts.size(), 77));
    return model.textEncoder().forward(ids).lastHiddenState();
  }

  /** Position of {@code tokenId} in a padded prompt, or -1. */
  static int position(LoadedModel model, String prompt, int tokenId) {
    int[] ids = model.tokenizer().encodePadded(prompt);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == tokenId) {
        return i;
      }
    }
    return -1;
  }
}
