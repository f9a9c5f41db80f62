package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.basemodel.Pretrain;
import dev.unmasked.basemodel.PretrainSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked pretrain}: trains the embedded toy-world model from a seed. */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description = {
      "Train the embedded toy-world Stable Diffusion model from scratch (VAE, then text encoder +",
      "UNet) on the toy world's training stream. Checkpoints every few minutes; --resume continues.",
      "The output folder becomes a diffusers pipeline folder."
    })
public final class PretrainCommand implements Callable<Integer> {

  @Option(names = "--out", required = true, description = "Output folder (checkpoints, loss.csv, samples, model).")
  Path out;

  @Option(names = "--stage", defaultValue = "all", description = "vae, unet or all (default: all, in order).")
  String stage;

  @Option(names = "--resume", description = "Continue the run in --out from its checkpoints.")
  boolean resume;

  @Option(names = "--minutes", defaultValue = "0", description = "Stop (with a checkpoint) after this many minutes; 0: no limit.")
  double minutes;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of weights, noise, timesteps and scenes (default 0).")
  long seed;
  @Option(names = "--vae-steps", description = "VAE steps with encoder and decoder trained (default 2000).")
  Integer vaeSteps;
  @Option(names = "--decoder-steps", description = "Further VAE steps of the decoder alone, the encoder frozen (default 1000).")
  Integer decoderSteps;
  @Option(names = "--vae-batch", description = "Images per VAE step (default 16).")
  Integer vaeBatch;
  @Option(names = "--vae-lr", description = "Peak AdamW rate of the VAE stage (default 1e-3, cosine to 10%%).")
  Double vaeLr;
  @Option(names = "--unet-steps", description = "Steps of the UNet stage (default 6000); with --resume it may"
      + " lengthen or shorten a run (the cosine schedule follows the new length from there).")
  Integer unetSteps;
  @Option(names = "--unet-batch", description = "Samples per UNet step (default 32).")
  Integer unetBatch;
  @Option(names = "--unet-object-weight", description = "Weight of object latent pixels in the UNet"
      + " stage's loss (background 1; default 1, the plain mean). Given with --resume, the loss"
      + " changes from the checkpoint's step on (a fine-tuning phase); otherwise a resume keeps it.")
  Double unetObjectWeight;
  @Option(names = "--unet-lr", description = "Peak AdamW rate of the UNet stage (default 4e-4, cosine to 10%%).")
  Double unetLr;
  @Option(names = "--unet-channels", description = "UNet block_out_channels, one width per level,"
      + " multiples of 32 (default: the shipped 64,128). A run keeps its size; pilots compare others.")
  String unetChannels;
  @Option(names = "--unet-layers", description = "UNet layers_per_block (default: the shipped 1).")
  Integer unetLayers;
  @Option(names = "--warmup", description = "Warm-up steps of every stage (default 300).")
  Integer warmup;
  @Option(names = "--eval-every", description = "UNet steps between held-out loss rows of loss.csv (default 250).")
  Integer evalEvery;
  @Option(names = "--sample-every", description = "UNet steps between exports and sample grids (default 1000).")
  Integer sampleEvery;
  @Option(names = "--checkpoint-seconds", description = "Seconds between checkpoints (default 300).")
  Integer checkpointSeconds;

  @Override
  public Integer call() throws Exception {
    if (!stage.equals("vae") && !stage.equals("unet") && !stage.equals("all")) {
      throw new UserError("--stage " + stage + ": expected vae, unet or all");
    }
    if (minutes < 0) {
      throw new UserError("--minutes must be >= 0, got " + minutes);
    }
    PretrainSettings d = PretrainSettings.defaults();
    PretrainSettings s = new PretrainSettings(seed, or(vaeSteps, d.vaeSteps()),
        or(decoderSteps, d.decoderSteps()), or(vaeBatch, d.vaeBatch()), or(vaeLr, d.vaeLr()),
        d.objectWeight(), d.klWeight(), or(unetSteps, d.unetSteps()), or(unetBatch, d.unetBatch()),
        or(unetLr, d.unetLr()), or(warmup, d.warmup()), d.captionDropout(), d.emaDecay(),
        or(evalEvery, d.evalEvery()), or(sampleEvery, d.sampleEvery()),
        or(checkpointSeconds, d.checkpointSeconds()), or(unetObjectWeight, d.unetObjectWeight()));
    s = s.withUnetSize(dev.unmasked.basemodel.UNetSize.orShipped(unetChannels, unetLayers));
    if (!(s.unetObjectWeight() > 0) || Double.isInfinite(s.unetObjectWeight())) {
      throw new UserError("--unet-object-weight must be a positive number, got "
          + s.unetObjectWeight());
    }
    java.util.Set<String> changeable = new java.util.HashSet<>();
    if (unetSteps != null) {
      changeable.add(Pretrain.UNET_STEPS);
    }
    if (unetObjectWeight != null) {
      changeable.add(dev.unmasked.basemodel.PretrainSettings.UNET_OBJECT_WEIGHT);
    }
    return Pretrain.run(out, stage, resume, changeable,
        dev.unmasked.training.TrainLoop.Budget.minutes(minutes), s, System.err) ? 0 : 3;
  }

  private static <T> T or(T v, T d) {
    return v != null ? v : d;
  }
}
