package dev.unmasked.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.util.List;

/** A batch of training prompts: padded token ids and their text states (with gradients when on). */
public final class TextBatch {
  private TextBatch() {}

  /** Token ids [B, 77] (int64), each prompt padded or truncated to 77. */
  public static NDArray ids(NDManager m, CLIPTokenizer tok, List<String> prompts) {
    long[] l = new long[prompts.size() * 77];
    for (int i = 0; i < prompts.size(); i++) {
      int[] ids = tok.encodePadded(prompts.get(i));
      for (int j = 0; j < 77; j++) {
        l[i * 77 + j] = ids[j];
      }
    }
    return m.create(l, new Shape(prompts.size(), 77));
  }

  /** last_hidden_state [B, 77, D] of the prompts. */
  public static NDArray encode(CLIPTextModel te, CLIPTokenizer tok, NDManager m, List<String> prompts) {
    return te.forward(ids(m, tok, prompts)).lastHiddenState();
  }
}
