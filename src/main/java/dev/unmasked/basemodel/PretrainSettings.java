package dev.unmasked.basemodel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a pretraining run. The defaults are the shipped model's (models/toyworld-sd/MODEL.md
 * says how they were chosen). Stored in each checkpoint's metadata; a resume with other settings
 * that change the run is refused.
 *
 * @param seed weights, noise and timesteps
 * @param vaeSteps steps of the autoencoder with encoder and decoder trained
 * @param decoderSteps further steps of the decoder alone, the encoder frozen
 * @param vaeBatch images per autoencoder step
 * @param vaeLr peak AdamW rate of the autoencoder (cosine decay, 10% floor)
 * @param objectWeight loss weight of object pixels (background pixels weigh 1)
 * @param klWeight KL weight relative to the per-pixel reconstruction loss summed over pixels (SD: 1e-6)
 * @param unetSteps steps of the text encoder + UNet stage
 * @param unetBatch samples per UNet step
 * @param unetLr peak AdamW rate of the UNet stage (cosine decay, 10% floor)
 * @param warmup warm-up steps of every stage
 * @param captionDropout share of empty captions (classifier-free guidance)
 * @param emaDecay EMA decay of the UNet-stage weights (what ships)
 * @param evalEvery UNet steps between held-out evaluations (loss.csv rows)
 * @param sampleEvery UNet steps between sample grids
 * @param checkpointSeconds seconds between checkpoints
 * @param unetObjectWeight weight of object latent pixels in the UNet stage's noise-prediction loss
 *     (background pixels weigh 1; 1 is SD's plain mean); checkpoints written before it existed
 *     count as 1
 * @param unetSize the UNet's width and depth ({@link UNetSize#shipped()} unless a pilot asks for
 *     another); checkpoints written before it existed hold the shipped size
 */
public record PretrainSettings(long seed, int vaeSteps, int decoderSteps, int vaeBatch, double vaeLr,
    double objectWeight, double klWeight, int unetSteps, int unetBatch, double unetLr, int warmup,
    double captionDropout, double emaDecay, int evalEvery, int sampleEvery, int checkpointSeconds,
    double unetObjectWeight, UNetSize unetSize) {

  /** The settings with the shipped UNet size. */
  public PretrainSettings(long seed, int vaeSteps, int decoderSteps, int vaeBatch, double vaeLr,
      double objectWeight, double klWeight, int unetSteps, int unetBatch, double unetLr, int warmup,
      double captionDropout, double emaDecay, int evalEvery, int sampleEvery,
      int checkpointSeconds, double unetObjectWeight) {
    this(seed, vaeSteps, decoderSteps, vaeBatch, vaeLr, objectWeight, klWeight, unetSteps, unetBatch,
        unetLr, warmup, captionDropout, emaDecay, evalEvery, sampleEvery, checkpointSeconds,
        unetObjectWeight, UNetSize.shipped());
  }

  /** The settings with the UNet stage's plain (unweighted) loss. */
  public PretrainSettings(long seed, int vaeSteps, int decoderSteps, int vaeBatch, double vaeLr,
      double objectWeight, double klWeight, int unetSteps, int unetBatch, double unetLr, int warmup,
      double captionDropout, double emaDecay, int evalEvery, int sampleEvery,
      int checkpointSeconds) {
    this(seed, vaeSteps, decoderSteps, vaeBatch, vaeLr, objectWeight, klWeight, unetSteps, unetBatch,
        unetLr, warmup, captionDropout, emaDecay, evalEvery, sampleEvery, checkpointSeconds, 1.0);
  }

  public static PretrainSettings defaults() {
    return new PretrainSettings(0, 2000, 1000, 16, 1e-3, 4.0, 1e-6, 6000, 32, 4e-4, 300, 0.1,
        0.999, 250, 1000, 300, 1.0);
  }

  /** The same settings with another UNet-stage object weight. */
  public PretrainSettings withUnetObjectWeight(double w) {
    return new PretrainSettings(seed, vaeSteps, decoderSteps, vaeBatch, vaeLr, objectWeight,
        klWeight, unetSteps, unetBatch, unetLr, warmup, captionDropout, emaDecay, evalEvery,
        sampleEvery, checkpointSeconds, w, unetSize);
  }

  /** The same settings with another UNet size. */
  public PretrainSettings withUnetSize(UNetSize size) {
    return new PretrainSettings(seed, vaeSteps, decoderSteps, vaeBatch, vaeLr, objectWeight,
        klWeight, unetSteps, unetBatch, unetLr, warmup, captionDropout, emaDecay, evalEvery,
        sampleEvery, checkpointSeconds, unetObjectWeight, size);
  }

  /** Whether setting {@code key} shapes the UNet stage (true) or the VAE stage (false); seed and
   *  warm-up shape both. */
  static boolean concerns(String key, boolean unetStage) {
    if (key.equals("seed") || key.equals("warmup")) {
      return true;
    }
    boolean unetKey = key.startsWith("unet_") || key.equals("caption_dropout") || key.equals("ema_decay");
    return unetKey == unetStage;
  }

  /** Metadata key of {@link #unetObjectWeight}; absent from checkpoints written before it. */
  public static final String UNET_OBJECT_WEIGHT = "unet_object_weight";

  /**
   * The value a checkpoint written before setting {@code key} existed stands for (the plain loss,
   * the shipped UNet size), or null for a key every checkpoint holds.
   */
  static String valueBeforeItExisted(String key) {
    return switch (key) {
      case UNET_OBJECT_WEIGHT -> "1.0";
      case UNetSize.CHANNELS_KEY -> UNetSize.shipped().channelsText();
      case UNetSize.LAYERS_KEY -> Integer.toString(UNetSize.shipped().layers());
      default -> null;
    };
  }

  /** The settings that define the run (a resume must match them), as checkpoint metadata. */
  public Map<String, String> asMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("seed", Long.toString(seed));
    m.put("vae_steps", Integer.toString(vaeSteps));
    m.put("decoder_steps", Integer.toString(decoderSteps));
    m.put("vae_batch", Integer.toString(vaeBatch));
    m.put("vae_lr", Double.toString(vaeLr));
    m.put("object_weight", Double.toString(objectWeight));
    m.put("kl_weight", Double.toString(klWeight));
    m.put("unet_steps", Integer.toString(unetSteps));
    m.put("unet_batch", Integer.toString(unetBatch));
    m.put("unet_lr", Double.toString(unetLr));
    m.put("warmup", Integer.toString(warmup));
    m.put("caption_dropout", Double.toString(captionDropout));
    m.put("ema_decay", Double.toString(emaDecay));
    m.put(UNET_OBJECT_WEIGHT, Double.toString(unetObjectWeight));
    m.put(UNetSize.CHANNELS_KEY, unetSize.channelsText());
    m.put(UNetSize.LAYERS_KEY, Integer.toString(unetSize.layers()));
    return m;
  }
}
