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

  static NDArray addNoise(BetaSchedule sched, NDArray z, NDArray eps, long[] t) {
    return dev.unmasked.training.Noising.addNoise(sched, z, eps, t);
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
