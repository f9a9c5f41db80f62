package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.TrainingStream;
import dev.unmasked.training.TrainRng;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A fixed held-out set of (latent, caption, t, noise) per timestep bucket, scored with the model's
 * noise-prediction MSE and with the data-mean baseline: the prediction a model would make if it
 * answered every input with the mean latent, {@code eps = (z_t - sqrt(acp) mean) / sqrt(1 - acp)}.
 * A model whose loss at t >= 950 is above that baseline has not learned to start sampling from
 * pure noise (the prototype's sampler collapsed for that reason).
 */
final class HeldOutSet {
  /** Scene seeds of the held-out set: far from every training stream. */
  static final long FIRST_SCENE = 7_000_000_000L;
  static final int[][] BUCKETS = {{0, 100}, {100, 200}, {200, 300}, {300, 400}, {400, 500},
      {500, 600}, {600, 700}, {700, 800}, {800, 900}, {900, 950}, {950, 1000}};

  private final int perBucket;
  private final float[][] latents; // per sample [4*16*16], scaled
  private final float[][] objects; // per sample [16*16]: share of each latent pixel's image pixels on objects
  private final List<String> captions;
  private final long[][] t; // [bucket][i]
  private final float[][][] noise; // [bucket][i][4*16*16]
  private final int[][] scene; // [bucket][i] index into latents
  private final double[] baseline;
  private final long[] latentShape;

  private HeldOutSet(int perBucket, float[][] latents, float[][] objects, List<String> captions,
      long[][] t, float[][][] noise, int[][] scene, long[] latentShape, BetaSchedule sched) {
    this.perBucket = perBucket;
    this.latents = latents;
    this.objects = objects;
    this.captions = captions;
    this.t = t;
    this.noise = noise;
    this.scene = scene;
    this.latentShape = latentShape;
    this.baseline = baseline(sched);
  }

  static HeldOutSet build(AutoencoderKL vae, double scale, NDManager m, int scenes, int perBucket) {
    float[][] lat = new float[scenes][];
    float[][] obj = new float[scenes][];
    List<String> caps = new ArrayList<>();
    long[] shape = null;
    try (TrainingStream stream = new TrainingStream(FIRST_SCENE, SceneOptions.training(), 1, 64)) {
      for (int i = 0; i < scenes; i += 32) {
        int n = Math.min(32, scenes - i);
        try (NDScope scope = new NDScope()) {
          TrainingStream.Batch b = stream.nextBatch(n);
          NDArray z = vae.encode(m.create(b.images(), new Shape(n, 3, Scene.CANVAS, Scene.CANVAS)))
              .mode().mul(scale);
          shape = z.getShape().slice(1).getShape();
          float[] all = z.toFloatArray();
          int per = all.length / n;
          // weights 2 on objects, 1 elsewhere, averaged per latent pixel: minus 1 is the object share
          float[] share = UNetStage.latentWeights(m, b, 2.0, shape[1]).sub(1).toFloatArray();
          int hw = share.length / n;
          for (int j = 0; j < n; j++) {
            lat[i + j] = java.util.Arrays.copyOfRange(all, j * per, (j + 1) * per);
            obj[i + j] = java.util.Arrays.copyOfRange(share, j * hw, (j + 1) * hw);
          }
          caps.addAll(b.captions());
        }
      }
    }
    TrainRng rng = new TrainRng(4242);
    int nb = BUCKETS.length;
    long[][] t = new long[nb][perBucket];
    float[][][] noise = new float[nb][perBucket][];
    int[][] idx = new int[nb][perBucket];
    for (int bk = 0; bk < nb; bk++) {
      for (int i = 0; i < perBucket; i++) {
        t[bk][i] = BUCKETS[bk][0] + rng.nextInt(BUCKETS[bk][1] - BUCKETS[bk][0]);
        noise[bk][i] = rng.gaussians(lat[0].length);
        idx[bk][i] = (bk * perBucket + i) % scenes;
      }
    }
    return new HeldOutSet(perBucket, lat, obj, caps, t, noise, idx, shape, Diffusion.schedule());
  }

  /** Column names of the buckets, e.g. {@code t950_999}. */
  static List<String> bucketNames() {
    List<String> n = new ArrayList<>();
    for (int[] b : BUCKETS) {
      n.add(String.format(Locale.ROOT, "t%03d_%03d", b[0], b[1] - 1));
    }
    return n;
  }

  /** The data-mean baseline's MSE per bucket. */
  double[] baseline() {
    return baseline.clone();
  }

  private double[] baseline(BetaSchedule sched) {
    int d = latents[0].length;
    double[] mean = new double[d];
    for (float[] z : latents) {
      for (int k = 0; k < d; k++) {
        mean[k] += z[k] / latents.length;
      }
    }
    double[] out = new double[BUCKETS.length];
    for (int bk = 0; bk < BUCKETS.length; bk++) {
      double se = 0;
      for (int i = 0; i < perBucket; i++) {
        double acp = sched.alphaCumprod((int) t[bk][i]);
        float[] z = latents[scene[bk][i]];
        float[] e = noise[bk][i];
        for (int k = 0; k < d; k++) {
          double zt = Math.sqrt(acp) * z[k] + Math.sqrt(1 - acp) * e[k];
          double pred = (zt - Math.sqrt(acp) * mean[k]) / Math.sqrt(1 - acp);
          se += (pred - e[k]) * (pred - e[k]);
        }
      }
      out[bk] = se / (perBucket * (double) d);
    }
    return out;
  }

  /**
   * The model's held-out scores (no gradients).
   *
   * @param buckets noise-prediction MSE per timestep bucket
   * @param objects the MSE on object latent pixels over all buckets (each latent pixel weighted by
   *     the share of its image pixels on objects): the part of the loss where shapes are drawn
   */
  record Scores(double[] buckets, double objects) {}

  /** The model's noise-prediction MSE per bucket and on object pixels (no gradients). */
  Scores modelLoss(CLIPTextModel te, UNet2DConditionModel unet, CLIPTokenizer tok, NDManager m) {
    BetaSchedule sched = Diffusion.schedule();
    int d = latents[0].length;
    int hw = objects[0].length;
    double[] out = new double[BUCKETS.length];
    double objSe = 0;
    double objW = 0;
    for (int bk = 0; bk < BUCKETS.length; bk++) {
      for (int start = 0; start < perBucket; start += 32) {
        int n = Math.min(32, perBucket - start);
        try (NDScope scope = new NDScope()) {
          float[] z = new float[n * d];
          float[] e = new float[n * d];
          float[] w = new float[n * hw];
          long[] ts = new long[n];
          List<String> caps = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            int j = start + i;
            System.arraycopy(latents[scene[bk][j]], 0, z, i * d, d);
            System.arraycopy(noise[bk][j], 0, e, i * d, d);
            System.arraycopy(objects[scene[bk][j]], 0, w, i * hw, hw);
            for (int k = 0; k < hw; k++) {
              objW += objects[scene[bk][j]][k] * (double) latentShape[0];
            }
            ts[i] = t[bk][j];
            caps.add(captions.get(scene[bk][j]));
          }
          Shape s = new Shape(n, latentShape[0], latentShape[1], latentShape[2]);
          NDArray eps = m.create(e, s);
          NDArray zt = Diffusion.addNoise(sched, m.create(z, s), eps, ts);
          NDArray ctx = Diffusion.encodeText(te, tok, m, caps);
          NDArray pred = unet.forward(zt, m.create(ts), ctx, null);
          NDArray sq = pred.sub(eps).square();
          out[bk] += sq.sum().getFloat() / (perBucket * (double) d);
          objSe += sq.mul(m.create(w, new Shape(n, 1, latentShape[1], latentShape[2]))).sum().getFloat();
        }
      }
    }
    return new Scores(out, objW > 0 ? objSe / objW : Double.NaN);
  }
}
