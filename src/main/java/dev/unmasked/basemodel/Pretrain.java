package dev.unmasked.basemodel;

import dev.unmasked.UserError;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.training.Checkpoint;
import dev.unmasked.training.ThreadGovernor;
import dev.unmasked.training.TrainLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** The {@code pretrain} command's work: the stages in order, each resumable. */
public final class Pretrain {
  private Pretrain() {}

  /** Returns true when every requested stage finished (false: stopped by the time budget). */
  public static boolean run(Path out, String stage, boolean resume, TrainLoop.Budget budget,
      PretrainSettings s, PrintStream log) throws IOException {
    return run(out, stage, resume, Set.of(), budget, s, EvalSizes.defaults(), log);
  }

  /**
   * As above; {@code changeable}: the UNet-stage settings a resume may change because the user gave
   * them explicitly ({@code unet_steps}: the cosine schedule follows the new length from the
   * checkpoint's step on; {@code unet_object_weight}: the loss changes from that step on, a
   * fine-tuning phase). Any other difference is refused.
   */
  public static boolean run(Path out, String stage, boolean resume, Set<String> changeable,
      TrainLoop.Budget budget, PretrainSettings s, PrintStream log) throws IOException {
    return run(out, stage, resume, changeable, budget, s, EvalSizes.defaults(), log);
  }

  /** The keys of {@link PretrainSettings#asMetadata} that {@code changeable} may name. */
  public static final String UNET_STEPS = "unet_steps";

  /** As above, measuring with {@code sizes} (tests shrink them). */
  static boolean run(Path out, String stage, boolean resume, TrainLoop.Budget budget,
      PretrainSettings s, EvalSizes sizes, PrintStream log) throws IOException {
    return run(out, stage, resume, Set.of(), budget, s, sizes, log);
  }

  static boolean run(Path out, String stage, boolean resume, Set<String> changeable,
      TrainLoop.Budget budget, PretrainSettings s, EvalSizes sizes, PrintStream log)
      throws IOException {
    for (String k : changeable) {
      if (!k.equals(UNET_STEPS) && !k.equals(PretrainSettings.UNET_OBJECT_WEIGHT)) {
        throw new IllegalArgumentException("not a changeable setting: " + k);
      }
    }
    Path ckpts = out.resolve("checkpoints");
    boolean hasState = false;
    if (Files.isDirectory(ckpts)) {
      try (var files = Files.list(ckpts)) {
        hasState = files.findAny().isPresent();
      }
    }
    if (hasState && !resume) {
      throw new UserError(out + " already holds a pretraining run (" + ckpts + "); pass --resume to"
          + " continue it, or choose another --out");
    }
    if (resume && !hasState) {
      throw new UserError("--resume: " + out + " holds no checkpoints to resume from");
    }
    if (hasState) {
      checkSettings(ckpts, s, changeable, log);
    }
    Files.createDirectories(out);
    TrainLoop.Budget deadline = budget;
    ThreadGovernor threads = ThreadGovernor.fromLauncher();
    if (stage.equals("vae") || stage.equals("all")) {
      if (!VaeStage.done(out)) {
        VaeStage.run(out, s, sizes, deadline, threads, log);
        if (!VaeStage.done(out)) {
          return false;
        }
      } else if (stage.equals("vae")) {
        log.println("vae: already trained in " + out.resolve("vae"));
      }
    }
    if (stage.equals("unet") || stage.equals("all")) {
      if (!VaeStage.done(out)) {
        throw new UserError(out + " has no trained VAE yet; run --stage vae first");
      }
      return UNetStage.run(out, s, sizes, deadline, threads, log);
    }
    return true;
  }

  /** A resume must use the settings its checkpoints were written with (each stage its own). */
  private static void checkSettings(Path ckpts, PretrainSettings s, Set<String> changeable,
      PrintStream log) throws IOException {
    Map<String, String> want = s.asMetadata();
    try (var files = Files.list(ckpts)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
        Map<String, String> have;
        try (var sf = dev.unmasked.io.SafetensorsFile.open(f)) {
          if (!Checkpoint.FORMAT.equals(sf.metadata().get("format"))) {
            continue;
          }
          have = sf.metadata();
        } catch (SafetensorsException e) {
          throw new UserError(f + ": unreadable checkpoint (" + e.getMessage() + ")", e);
        }
        boolean unetCheckpoint = f.getFileName().toString().startsWith("unet");
        for (Map.Entry<String, String> e : want.entrySet()) {
          if (!PretrainSettings.concerns(e.getKey(), unetCheckpoint)) {
            continue; // a finished stage does not care about the next stage's settings
          }
          String h = have.get(e.getKey());
          if (h == null) {
            h = PretrainSettings.valueBeforeItExisted(e.getKey());
          }
          if (h != null && !h.equals(e.getValue()) && changeable.contains(UNET_STEPS)
              && e.getKey().equals(UNET_STEPS)) {
            long at = Long.parseLong(have.getOrDefault("step", "0"));
            if (at > s.unetSteps()) {
              throw new UserError("--unet-steps " + s.unetSteps() + ": " + f.getFileName()
                  + " is already at step " + at + "; give at least " + at);
            }
            log.printf("unet: stage length %s -> %d steps from step %d (the cosine schedule"
                + " follows the new length from here)%n", h, s.unetSteps(), at);
            continue;
          }
          if (h != null && !h.equals(e.getValue()) && unetCheckpoint
              && changeable.contains(PretrainSettings.UNET_OBJECT_WEIGHT)
              && e.getKey().equals(PretrainSettings.UNET_OBJECT_WEIGHT)) {
            log.printf("unet: object weight %s -> %s from step %s (the loss changes from here)%n",
                h, e.getValue(), have.getOrDefault("step", "0"));
            continue;
          }
          if (h != null && !h.equals(e.getValue())) {
            throw new UserError("--resume: " + f.getFileName() + " was written with " + e.getKey()
                + " = " + h + ", this run asks for " + e.getValue() + "; resume with the same settings");
          }
        }
      }
    }
  }
}
