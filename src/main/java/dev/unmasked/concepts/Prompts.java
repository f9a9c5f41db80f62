package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.unmasked.pipeline.LoadedModel;
import java.util.List;

/** Token ids and text states of training prompts. */
final class Prompts {
  private Prompts() {}

  /** [B, 77, D] last hidden states (through the extra token rows, so gradients reach them). */
  static NDArray encode(LoadedModel model, NDManager m, List<String> prompts) {
    return dev.unmasked.pipeline.TextBatch.encode(model.textEncoder(), model.tokenizer(), m, prompts);
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
