package dev.unmasked.concepts;

import dev.unmasked.crf.DenseCrf;
import java.util.List;

/**
 * Every setting of a {@code learn} run (ALGORITHM.md), defaults resolved. {@link #toyDefaults()}
 * are the embedded model's, chosen by measurement (docs/LEARN.md); {@link #sdDefaults()}
 * Break-a-Scene's verified SD settings.
 *
 * @param mode em (the paper), fixed (masks estimated once), user (Break-a-Scene), none
 * @param seed all randomness of the run
 * @param batch samples per training step
 * @param phase1Steps token-only steps
 * @param phase1Lr AdamW rate of phase 1 (constant after warm-up)
 * @param phase2 none, lora or full
 * @param phase2Steps steps of phase 2
 * @param phase2Lr AdamW rate of phase 2
 * @param loraRank LoRA rank of phase 2
 * @param clipNorm gradient clipping by global norm (phase 2; 0: none)
 * @param lambdaAttn weight of the cross-attention loss
 * @param estepTimesteps T, noised forward passes per E-step
 * @param estepMinT smallest timestep an E-step draws
 * @param estepMaxT largest timestep an E-step draws
 * @param estepEvery R, steps between E-steps (em)
 * @param stopIoU stop re-estimating when every mask's IoU with the previous one exceeds this
 * @param crf dense-CRF kernels and iterations
 * @param attnResolutions sides of the cross-attention maps read (e.g. 16 and 8)
 * @param attnMid whether the mid block's cross-attention is read too
 * @param flip random horizontal flips (p = 0.5) of image and masks
 * @param promptTemplate how a training prompt names its concepts: {@code prefix|joiner|background
 *     joiner}, e.g. {@code a | and a | on the } gives {@code a <v1> and a <v2> on the <v3>}
 * @param validationPrompts prompts sampled at intervals
 * @param validateEvery steps between validation samples (0: only at the end)
 * @param checkpointEvery steps between checkpoints
 * @param prior prior preservation (Break-a-Scene's): off when its weight is 0
 * @param backgroundLabel what a background concept's label probability is in the E-step: its own
 *     cross-attention map ({@code map}, ALGORITHM.md's reading) or {@code 1 - max} of the object
 *     maps ({@code complement}: the background label of scenes without a background concept,
 *     given to the background concept)
 */
public record LearnOptions(Mode mode, long seed, int batch, int phase1Steps, double phase1Lr,
    Phase2 phase2, int phase2Steps, double phase2Lr, int loraRank, double clipNorm,
    double lambdaAttn, int estepTimesteps, int estepMinT, int estepMaxT, int estepEvery,
    double stopIoU, DenseCrf.Params crf, List<Integer> attnResolutions, boolean attnMid,
    boolean flip, String promptTemplate, List<String> validationPrompts, int validateEvery,
    int checkpointEvery, Prior prior, BackgroundLabel backgroundLabel) {

  /**
   * Prior preservation: {@code images} base-model samples of {@code prompt}, generated once and
   * cached in the run folder, trained with the plain diffusion loss at {@code weight}.
   */
  public record Prior(double weight, String prompt, int images) {
    public boolean on() {
      return weight > 0;
    }

    public Prior withWeight(double w) {
      return new Prior(w, prompt, images);
    }
  }

  public enum Mode { EM, FIXED, USER, NONE }

  public enum Phase2 { NONE, LORA, FULL }

  public enum BackgroundLabel { MAP, COMPLEMENT }

  /** The embedded toy-world model's defaults. */
  public static LearnOptions toyDefaults() {
    return new LearnOptions(Mode.EM, 0, 4, 300, 5e-4, Phase2.NONE, 0, 1e-4, 4, 1.0, 0.01,
        32, 100, 700, 50, 0.95, DenseCrf.Params.DEFAULTS, List.of(16, 8), false, true,
        "a | and a | on the ", List.of(), 0, 100, new Prior(0, "a circle on the sand", 32),
        BackgroundLabel.COMPLEMENT);
  }

  /** Break-a-Scene's SD settings (400 + 400 steps, lr 5e-4 then 2e-6, batch 1, 16x16 maps). */
  public static LearnOptions sdDefaults() {
    return new LearnOptions(Mode.EM, 0, 1, 400, 5e-4, Phase2.LORA, 400, 2e-6 * 50, 4, 1.0, 0.01,
        50, 100, 700, 100, 0.95, DenseCrf.Params.DEFAULTS, List.of(16), false, true,
        "a photo of | and | and ", List.of(), 0, 100, new Prior(0, "a photo at the beach", 100),
        BackgroundLabel.MAP);
  }

  public LearnOptions withMode(Mode m) {
    return new LearnOptions(m, seed, batch, phase1Steps, phase1Lr, phase2, phase2Steps, phase2Lr,
        loraRank, clipNorm, lambdaAttn, estepTimesteps, estepMinT, estepMaxT, estepEvery, stopIoU,
        crf, attnResolutions, attnMid, flip, promptTemplate, validationPrompts, validateEvery,
        checkpointEvery, prior, backgroundLabel);
  }

  /** The training prompt naming {@code objects} then {@code backgrounds} (tokens). */
  public String prompt(List<String> objects, List<String> backgrounds) {
    String[] p = promptTemplate.split("\\|", -1);
    if (p.length != 3) {
      throw new IllegalArgumentException("prompt template must be prefix|joiner|background joiner, got '"
          + promptTemplate + "'");
    }
    StringBuilder sb = new StringBuilder(p[0]);
    sb.append(String.join(p[1], objects));
    for (int i = 0; i < backgrounds.size(); i++) {
      sb.append(objects.isEmpty() && i == 0 ? "" : p[2]).append(backgrounds.get(i));
    }
    return sb.toString().trim();
  }

  public LearnOptions withAttnResolutions(List<Integer> sides) {
    return new LearnOptions(mode, seed, batch, phase1Steps, phase1Lr, phase2, phase2Steps, phase2Lr,
        loraRank, clipNorm, lambdaAttn, estepTimesteps, estepMinT, estepMaxT, estepEvery, stopIoU,
        crf, sides, attnMid, flip, promptTemplate, validationPrompts, validateEvery, checkpointEvery,
        prior, backgroundLabel);
  }

  public LearnOptions withEstepTimesteps(int t) {
    return new LearnOptions(mode, seed, batch, phase1Steps, phase1Lr, phase2, phase2Steps, phase2Lr,
        loraRank, clipNorm, lambdaAttn, t, estepMinT, estepMaxT, estepEvery, stopIoU,
        crf, attnResolutions, attnMid, flip, promptTemplate, validationPrompts, validateEvery,
        checkpointEvery, prior, backgroundLabel);
  }

  public boolean usesMasks() {
    return mode != Mode.NONE;
  }
}
