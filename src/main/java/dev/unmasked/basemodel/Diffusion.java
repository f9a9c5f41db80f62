package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.scheduler.SchedulerConfig;
import dev.unmasked.scheduler.SchedulerType;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.util.List;

/** The pieces of an epsilon-prediction training step shared by pretraining and its evaluation. */
final class Diffusion {
  private Diffusion() {}

  /** SD's scaled-linear schedule as the shipped scheduler config gives it. */
  static BetaSchedule schedule() {
    return BetaSchedule.of(SchedulerConfig.parse(ToyModelSpec.schedulerJson(), SchedulerType.DDIM,
        "basemodel/scheduler.json"));
  }

  /** {@code sqrt(acp[t]) z + sqrt(1 - acp[t]) eps} per sample; z, eps [B, ...]. */
  static NDArray addNoise(BetaSchedule sched, NDArray z, NDArray eps, long[] t) {
    int b = t.length;
    float[] a = new float[b];
    float[] s = new float[b];
    for (int i = 0; i < b; i++) {
      float acp = sched.alphaCumprod((int) t[i]);
      a[i] = (float) Math.sqrt(acp);
      s[i] = (float) Math.sqrt(1 - acp);
    }
    NDManager m = z.getManager();
    Shape col = new Shape(b, 1, 1, 1);
    return z.mul(m.create(a, col)).add(eps.mul(m.create(s, col)));
  }

  /** Token ids [B, 77] (int64) of the captions. */
  static NDArray ids(NDManager m, CLIPTokenizer tok, List<String> captions) {
    long[] l = new long[captions.size() * 77];
    for (int i = 0; i < captions.size(); i++) {
      int[] ids = tok.encodePadded(captions.get(i));
      for (int j = 0; j < 77; j++) {
        l[i * 77 + j] = ids[j];
      }
    }
    return m.create(l, new Shape(captions.size(), 77));
  }

  static NDArray encodeText(CLIPTextModel te, CLIPTokenizer tok, NDManager m, List<String> captions) {
    return te.forward(ids(m, tok, captions)).lastHiddenState();
  }
}
