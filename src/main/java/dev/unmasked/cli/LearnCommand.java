package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.concepts.ConceptLearner;
import dev.unmasked.concepts.ConceptSpec;
import dev.unmasked.concepts.InputImage;
import dev.unmasked.concepts.LearnOptions;
import dev.unmasked.concepts.LearnRun;
import dev.unmasked.crf.DenseCrf;
import dev.unmasked.training.TrainLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unmasked learn}: several concepts from a few images, no masks (ALGORITHM.md). */
@Command(
    name = "learn",
    mixinStandardHelpOptions = true,
    description = {
      "Learn new concept tokens from a few images with no masks: masks come from the model's",
      "cross-attention, sharpened by a dense CRF, re-estimated as the tokens improve (mode em).",
      "Example: learn scene.png --concept '<v1>=red star' --concept '<v2>=blue ring'",
      "  --concept '<v3>=grass' --background '<v3>' --out run1"
    })
public final class LearnCommand implements Callable<Integer> {

  @Parameters(arity = "0..*", paramLabel = "IMAGE", description = "The images (PNG/JPEG).")
  List<Path> images = new ArrayList<>();

  @Option(names = "--concept", paramLabel = "TOKEN[=INIT]",
      description = "A new token and its initializer word(s), e.g. '<v1>=red star'. Repeatable.")
  List<String> conceptArgs = new ArrayList<>();

  @Option(names = "--in", paramLabel = "TOKEN=IMG[,IMG...]",
      description = "The images a concept appears in (default: every image).")
  List<String> inArgs = new ArrayList<>();

  @Option(names = "--background", paramLabel = "TOKEN", description = "This concept is the background of its images.")
  List<String> backgroundArgs = new ArrayList<>();

  @Option(names = "--mask", paramLabel = "TOKEN=IMG:MASK.png", description = "A user mask (for --mode user).")
  List<String> maskArgs = new ArrayList<>();

  @Option(names = "--mode", defaultValue = "em", description = "em, fixed, user or none (default: em).")
  String mode;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--out", paramLabel = "RUN", description = "The run folder to create.")
  Path out;

  @Option(names = "--resume", paramLabel = "RUN", description = "Continue a run from its last checkpoint (same arguments).")
  Path resume;

  @Option(names = "--seed") Long seed;
  @Option(names = "--batch") Integer batch;
  @Option(names = "--steps", description = "Phase-1 (token) steps.") Integer steps;
  @Option(names = "--lr", description = "Phase-1 learning rate.") Double lr;
  @Option(names = "--phase2", description = "none, lora or full: after the tokens, a LoRA on the UNet attention (or all UNet weights).") String phase2;
  @Option(names = "--phase2-steps") Integer phase2Steps;
  @Option(names = "--phase2-lr") Double phase2Lr;
  @Option(names = "--lora-rank") Integer loraRank;
  @Option(names = "--lambda-attn") Double lambdaAttn;
  @Option(names = "--estep-t", description = "Noised passes per E-step (T).") Integer estepT;
  @Option(names = "--estep-every", description = "Steps between E-steps (R).") Integer estepEvery;
  @Option(names = "--estep-min-t") Integer estepMinT;
  @Option(names = "--estep-max-t") Integer estepMaxT;
  @Option(names = "--stop-iou", description = "Stop re-estimating when consecutive masks agree above this IoU.") Double stopIoU;
  @Option(names = "--crf-iterations") Integer crfIterations;
  @Option(names = "--crf-gaussian-sxy") Float crfGSxy;
  @Option(names = "--crf-gaussian-compat") Float crfGCompat;
  @Option(names = "--crf-bilateral-sxy") Float crfBSxy;
  @Option(names = "--crf-bilateral-srgb") Float crfBSrgb;
  @Option(names = "--crf-bilateral-compat") Float crfBCompat;
  @Option(names = "--attn-res", split = ",", description = "Cross-attention map sides to read, e.g. 16,8.") List<Integer> attnRes;
  @Option(names = "--background-label", description = "map or complement: a background concept's"
      + " E-step label is its own cross-attention map, or 1 - max of the object maps.")
  String backgroundLabel;

  @Option(names = "--attn-mid", description = "Read the mid block's cross-attention too.") Boolean attnMid;
  @Option(names = "--no-flip", description = "No random horizontal flips.") boolean noFlip;
  @Option(names = "--prompt-template", description = "prefix|joiner|background joiner") String promptTemplate;
  @Option(names = "--validation-prompt", description = "Prompt sampled at intervals (repeatable).") List<String> validationPrompts;
  @Option(names = "--validate-every") Integer validateEvery;
  @Option(names = "--checkpoint-every") Integer checkpointEvery;
  @Option(names = "--gt", paramLabel = "DIR", description = "Toy-world ground truth (scene.json + masks) for the images.") Path gt;
  @Option(names = "--prior-preservation", description = "Break-a-Scene's prior preservation: base-model images of --prior-prompt, generated once and cached in the run, trained with the plain loss.") boolean prior;
  @Option(names = "--prior-prompt", description = "Class prompt of the prior images (toy: 'a circle on the sand'; SD: 'a photo at the beach').") String priorPrompt;
  @Option(names = "--prior-images", description = "How many prior images (toy 32, SD 100).") Integer priorImages;
  @Option(names = "--prior-weight", description = "Weight of the prior loss (default 1).") Double priorWeight;
  @Option(names = "--minutes", defaultValue = "0", description = "Stop with a checkpoint after this many minutes.") double minutes;
  @Option(names = "--stop-after", paramLabel = "STEPS", description = "Stop with a checkpoint after this many steps (as if interrupted; --resume continues).") Long stopAfter;

  @Override
  public Integer call() throws Exception {
    return execute(System.err);
  }

  /** Runs the parsed command with notes, progress and E-step lines going to {@code log}. */
  int execute(PrintStream log) throws IOException {
    Path runDir = resume != null ? resume : out;
    if (runDir == null) {
      throw new UserError("give --out RUN (a new folder) or --resume RUN");
    }
    if (resume != null && out != null && !out.equals(resume)) {
      throw new UserError("--out and --resume name different folders; give one of them");
    }
    if (images.isEmpty()) {
      throw new UserError("give at least one IMAGE");
    }
    if (conceptArgs.isEmpty()) {
      throw new UserError("give at least one --concept TOKEN[=INIT]");
    }
    TrainLoop.Budget time = TrainLoop.Budget.minutes(minutes);
    TrainLoop.Budget budget = stopAfter == null ? time
        : done -> done >= stopAfter || time.exhausted(done);
    ConceptLearner.Result r = new LearnRun(modelOptions.resolve())
        .configDir(modelOptions.configDir)
        .images(images)
        .groundTruth(gt)
        .options(this::options)
        .concepts(this::concepts)
        .folder(runDir, resume != null)
        .budget(budget)
        .log(log)
        .run();
    return r == null ? 3 : 0;
  }

  /** The options: the model's defaults ({@link LearnRun#defaults}) with this command's overrides. */
  private LearnOptions options(LearnOptions d) {
    LearnOptions.Mode md;
    try {
      md = LearnOptions.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError("--mode " + mode + ": expected em, fixed, user or none");
    }
    LearnOptions.Phase2 p2 = d.phase2();
    if (phase2 != null) {
      try {
        p2 = LearnOptions.Phase2.valueOf(phase2.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new UserError("--phase2 " + phase2 + ": expected none, lora or full");
      }
    }
    DenseCrf.Params c = d.crf();
    DenseCrf.Params crf = new DenseCrf.Params(or(crfGSxy, c.gaussianSxy()), or(crfGCompat, c.gaussianCompat()),
        or(crfBSxy, c.bilateralSxy()), or(crfBSrgb, c.bilateralSrgb()), or(crfBCompat, c.bilateralCompat()),
        or(crfIterations, c.iterations()));
    List<Integer> res = attnRes != null ? attnRes : d.attnResolutions();
    LearnOptions o = new LearnOptions(md, or(seed, d.seed()), or(batch, d.batch()), or(steps, d.phase1Steps()),
        or(lr, d.phase1Lr()), p2, or(phase2Steps, d.phase2Steps()), or(phase2Lr, d.phase2Lr()),
        or(loraRank, d.loraRank()), d.clipNorm(), or(lambdaAttn, d.lambdaAttn()), or(estepT, d.estepTimesteps()),
        or(estepMinT, d.estepMinT()), or(estepMaxT, d.estepMaxT()), or(estepEvery, d.estepEvery()),
        or(stopIoU, d.stopIoU()), crf, res, or(attnMid, d.attnMid()), !noFlip,
        or(promptTemplate, d.promptTemplate()), validationPrompts != null ? validationPrompts : List.of(),
        or(validateEvery, d.validateEvery()), or(checkpointEvery, d.checkpointEvery()),
        new LearnOptions.Prior(prior ? or(priorWeight, 1.0) : 0, or(priorPrompt, d.prior().prompt()),
            or(priorImages, d.prior().images())), bgLabel(d));
    if (prior && (o.prior().images() < 1 || !(o.prior().weight() > 0))) {
      throw new UserError("--prior-images must be >= 1 and --prior-weight > 0");
    }
    if (o.batch() < 1 || o.phase1Steps() < 1 || o.estepEvery() < 1 || o.estepTimesteps() < 1
        || o.estepMinT() < 0 || o.estepMaxT() >= 1000 || o.estepMinT() > o.estepMaxT()) {
      throw new UserError("--batch, --steps, --estep-every and --estep-t must be >= 1 and "
          + "0 <= --estep-min-t <= --estep-max-t <= 999");
    }
    return o;
  }

  private static <T> T or(T v, T d) {
    return v != null ? v : d;
  }

  private List<ConceptSpec> concepts(List<InputImage> ims) {
    Map<String, String> init = new LinkedHashMap<>();
    for (String a : conceptArgs) {
      int eq = a.indexOf('=');
      String tok = (eq < 0 ? a : a.substring(0, eq)).trim();
      if (tok.isEmpty() || tok.contains(" ")) {
        throw new UserError("--concept " + a + ": the token must be one word such as <v1>");
      }
      if (init.containsKey(tok)) {
        throw new UserError("--concept " + tok + " is given twice");
      }
      init.put(tok, eq < 0 ? null : a.substring(eq + 1).trim());
    }
    Map<String, InputImage> byName = new LinkedHashMap<>();
    for (InputImage im : ims) {
      byName.put(im.path().getFileName().toString(), im);
      byName.put(im.path().toString(), im);
    }
    Map<String, List<String>> in = new LinkedHashMap<>();
    for (String a : inArgs) {
      String[] kv = split(a, "--in", "TOKEN=IMG[,IMG...]");
      known(init, kv[0], "--in");
      List<String> stems = new ArrayList<>();
      for (String f : kv[1].split(",")) {
        InputImage im = byName.get(f.trim());
        if (im == null) {
          throw new UserError("--in " + a + ": '" + f + "' is not one of the input images");
        }
        stems.add(im.stem());
      }
      in.put(kv[0], stems);
    }
    for (String b : backgroundArgs) {
      known(init, b, "--background");
    }
    Map<String, Map<String, Path>> masks = new LinkedHashMap<>();
    for (String a : maskArgs) {
      String[] kv = split(a, "--mask", "TOKEN=IMG:MASK.png");
      known(init, kv[0], "--mask");
      int colon = kv[1].lastIndexOf(':');
      if (colon < 0) {
        throw new UserError("--mask " + a + ": expected TOKEN=IMG:MASK.png");
      }
      InputImage im = byName.get(kv[1].substring(0, colon));
      if (im == null) {
        throw new UserError("--mask " + a + ": '" + kv[1].substring(0, colon) + "' is not one of the input images");
      }
      Path mp = Path.of(kv[1].substring(colon + 1));
      if (!Files.isRegularFile(mp)) {
        throw new UserError("--mask " + a + ": no such file " + mp);
      }
      masks.computeIfAbsent(kv[0], k -> new LinkedHashMap<>()).put(im.stem(), mp);
    }
    if (mode.equalsIgnoreCase("user") && masks.isEmpty()) {
      throw new UserError("--mode user needs --mask TOKEN=IMG:MASK.png for each concept and image");
    }
    List<ConceptSpec> out = new ArrayList<>();
    for (Map.Entry<String, String> e : init.entrySet()) {
      List<String> imgs = in.get(e.getKey());
      out.add(new ConceptSpec(e.getKey(), e.getValue(), imgs, backgroundArgs.contains(e.getKey()),
          masks.getOrDefault(e.getKey(), Map.of())));
    }
    return out;
  }

  private static String[] split(String a, String opt, String form) {
    int eq = a.indexOf('=');
    if (eq <= 0) {
      throw new UserError(opt + " " + a + ": expected " + form);
    }
    return new String[] {a.substring(0, eq).trim(), a.substring(eq + 1).trim()};
  }

  private static void known(Map<String, String> init, String tok, String opt) {
    if (!init.containsKey(tok)) {
      throw new UserError(opt + " names " + tok + ", which is not a --concept (known: "
          + String.join(", ", init.keySet()) + ")");
    }
  }

  private LearnOptions.BackgroundLabel bgLabel(LearnOptions d) {
    if (backgroundLabel == null) {
      return d.backgroundLabel();
    }
    try {
      return LearnOptions.BackgroundLabel.valueOf(backgroundLabel.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError("--background-label " + backgroundLabel + ": expected map or complement");
    }
  }
}
