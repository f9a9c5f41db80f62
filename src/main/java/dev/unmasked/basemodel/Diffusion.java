package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

  static NDArray encodeText(CLIPTextModel te, CLIPTokenizer tok, NDManager m, List<String> captions) {
    return dev.unmasked.pipeline.TextBatch.encode(te, tok, m, captions);
  }
}
