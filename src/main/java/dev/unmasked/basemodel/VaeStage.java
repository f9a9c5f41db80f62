package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.model.vae.DiagonalGaussianDistribution;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.TrainingStream;
import dev.unmasked.training.AdamW;
import dev.unmasked.training.LrSchedule;
import dev.unmasked.training.ThreadGovernor;
import dev.unmasked.training.TrainLoop;
import dev.unmasked.training.TrainRng;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code vae}: the factor-4 {@code AutoencoderKL} (64x64x3 -> 16x16x4) trained on the toy
 * world's training stream with an L1 + L2 reconstruction loss in which object pixels weigh
 * {@code objectWeight} (the renderer knows them; a plain loss learns the background texture and
 * blurs the objects) and SD's small KL term; then the encoder frozen and the decoder trained alone on
 * posterior samples; then {@code scaling_factor} = 1 / std of the latents. Writes {@code vae/} of
 * the output folder in diffusers layout.
 */
final class VaeStage {
  static final long FIRST_SCENE = 0;
  private static final int CANVAS = Scene.CANVAS;

  private VaeStage() {}

  static boolean done(Path out) {
    return Files.exists(out.resolve("vae/diffusion_pytorch_model.safetensors"));
  }

  static void run(Path out, PretrainSettings s, EvalSizes sizes, TrainLoop.Budget deadline,
      ThreadGovernor threads, PrintStream log) throws IOException {
    Path ckptDir = Files.createDirectories(out.resolve("checkpoints"));
    Path full = ckptDir.resolve("vae.safetensors");
    Path decoder = ckptDir.resolve("vae-decoder.safetensors");
    Path fullFinal = ckptDir.resolve("vae-full-final.safetensors");
    try (NDManager base = NDManager.newBaseManager()) {
      // 1. Encoder and decoder together.
      if (!Files.exists(fullFinal)) {
        AutoencoderKL vae = new AutoencoderKL(ToyModelSpec.vaeConfig(),
            Params.initialised(s.seed(), base, DataType.FLOAT32));
        try (AdamW opt = new AdamW(AdamW.Config.defaults(), vae.parameters())) {
          TrainLoop.Start start = TrainLoop.resume(full, opt, null, s.seed() + 1, log);
          long done = train(vae, opt, start, s, s.vaeSteps(), false, full, deadline, threads, log);
          if (done < s.vaeSteps()) {
            return;
          }
          WeightFiles.write(fullFinal, vae.parameters(), Map.of("step", Long.toString(done)));
        }
      }
      // 2. The decoder alone, the encoder frozen.
      try (NDManager m = base.newSubManager();
          dev.unmasked.io.SafetensorsFile init = dev.unmasked.io.SafetensorsFile.open(fullFinal)) {
        AutoencoderKL vae = AutoencoderKL.load(new dev.unmasked.model.ConfigJson(ToyModelSpec.vaeJson(),
            "vae.json"), init, m, DataType.FLOAT32);
        Map<String, NDArray> dec = new LinkedHashMap<>();
        vae.parameters().forEach((k, v) -> {
          if (k.startsWith("decoder.") || k.startsWith("post_quant_conv.")) {
            dec.put(k, v);
          }
        });
        try (AdamW opt = new AdamW(AdamW.Config.defaults(), dec)) {
          TrainLoop.Start start = TrainLoop.resume(decoder, opt, null, s.seed() + 2, log);
          long done = train(vae, opt, start, s, s.decoderSteps(), true, decoder, deadline, threads, log);
          if (done < s.decoderSteps()) {
            return;
          }
        }
        // 3. scaling_factor and the diffusers folder.
        double std = latentStd(vae, m, sizes.latentStdScenes());
        double scale = 1.0 / std;
        double psnr = psnr(vae, m, sizes.psnrScenes());
        log.printf(Locale.ROOT, "vae: latent std %.4f -> scaling_factor %.5f; held-out PSNR %.2f dB%n",
            std, scale, psnr);
        Path dir = Files.createDirectories(out.resolve("vae"));
        JsonObject cfg = ToyModelSpec.vaeJson();
        cfg.addProperty("scaling_factor", Math.round(scale * 1e5) / 1e5);
        AtomicFile.write(dir.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create()
            .toJson(cfg).getBytes(StandardCharsets.UTF_8));
        WeightFiles.write(dir.resolve("diffusion_pytorch_model.safetensors"), vae.parameters(),
            Map.of("heldout_psnr_db", String.format(Locale.ROOT, "%.3f", psnr)));
      }
    }
  }

  private static long train(AutoencoderKL vae, AdamW opt, TrainLoop.Start start, PretrainSettings s,
      int steps, boolean decoderOnly, Path ckpt, TrainLoop.Budget deadline, ThreadGovernor threads, PrintStream log)
      throws IOException {
    int b = s.vaeBatch();
    long first = FIRST_SCENE + (decoderOnly ? 50_000_000L : 0) + start.step() * b;
    try (TrainingStream stream = new TrainingStream(first, SceneOptions.training(), 1, 4 * b)) {
      NDManager m = opt.params().values().iterator().next().getManager();
      TrainLoop.Step step = (i, rng) -> losses(vae, m, stream.nextBatch(b), rng, s, decoderOnly);
      TrainLoop.Settings ts = new TrainLoop.Settings(decoderOnly ? "vae decoder" : "vae", steps, b,
          LrSchedule.cosine(decoderOnly ? s.vaeLr() / 2 : s.vaeLr(), s.warmup(), steps, 0.1), 1.0,
          s.checkpointSeconds(), deadline, ckpt, s.asMetadata());
      return TrainLoop.run(ts, opt, null, start, step, null, threads, log);
    }
  }

  /** Object pixels weigh {@code objectWeight}, background pixels 1: [B, 1, 64, 64]. */
  static float[] pixelWeights(TrainingStream.Batch batch, double objectWeight) {
    int n = CANVAS * CANVAS;
    float[] w = new float[batch.size() * n];
    for (int i = 0; i < batch.size(); i++) {
      int[] lab = Renderer.labels(batch.scenes().get(i));
      for (int p = 0; p < n; p++) {
        w[i * n + p] = lab[p] > 0 ? (float) objectWeight : 1f;
      }
    }
    return w;
  }

  private static Map<String, NDArray> losses(AutoencoderKL vae, NDManager m, TrainingStream.Batch batch,
      TrainRng rng, PretrainSettings s, boolean decoderOnly) {
    int b = batch.size();
    NDArray x = m.create(batch.images(), new Shape(b, 3, CANVAS, CANVAS));
    NDArray w = m.create(pixelWeights(batch, s.objectWeight()), new Shape(b, 1, CANVAS, CANVAS));
    DiagonalGaussianDistribution post = vae.encode(x);
    long[] ls = post.mean().getShape().getShape();
    NDArray eps = m.create(rng.gaussians((int) post.mean().size()), new Shape(ls));
    NDArray z = post.sample(eps);
    if (decoderOnly) {
      z = z.stopGradient();
    }
    NDArray d = vae.decode(z).sub(x);
    NDArray l1 = d.abs().mul(w).mean();
    NDArray l2 = d.square().mul(w).mean();
    Map<String, NDArray> out = new LinkedHashMap<>();
    NDArray total = l1.add(l2);
    if (!decoderOnly) {
      // KL(q || N(0,1)) summed over latent elements, per sample, on the scale of a per-pixel loss.
      NDArray kl = post.mean().square().add(post.logvar().exp()).sub(1).sub(post.logvar()).sum();
      kl = Ops.mulScalar(kl, 0.5 * s.klWeight() / b);
      total = total.add(kl);
      out.put("kl", kl);
    }
    out.put("l1", l1);
    out.put("l2", l2);
    out.put(TrainLoop.TOTAL, total);
    return out;
  }

  /** Standard deviation of posterior samples over {@code n} training scenes. */
  static double latentStd(AutoencoderKL vae, NDManager m, int n) {
    double sum = 0;
    double sq = 0;
    long count = 0;
    TrainRng rng = new TrainRng(12345);
    try (TrainingStream stream = new TrainingStream(900_000_000L, SceneOptions.training(), 1, 64)) {
      for (int done = 0; done < n; done += 64) {
        int b = Math.min(64, n - done);
        try (NDScope scope = new NDScope()) {
          TrainingStream.Batch batch = stream.nextBatch(b);
          DiagonalGaussianDistribution post = vae.encode(m.create(batch.images(),
              new Shape(b, 3, CANVAS, CANVAS)));
          NDArray z = post.sample(m.create(rng.gaussians((int) post.mean().size()),
              post.mean().getShape()));
          for (float v : z.toFloatArray()) {
            sum += v;
            sq += (double) v * v;
            count++;
          }
        }
      }
    }
    double mean = sum / count;
    return Math.sqrt(sq / count - mean * mean);
  }

  /** PSNR (dB, images in [0, 1]) of mean-latent reconstructions of {@code n} held-out scenes. */
  static double psnr(AutoencoderKL vae, NDManager m, int n) {
    double se = 0;
    long count = 0;
    try (TrainingStream stream = new TrainingStream(HeldOutSet.FIRST_SCENE, SceneOptions.training(), 1, 64)) {
      for (int done = 0; done < n; done += 64) {
        int b = Math.min(64, n - done);
        try (NDScope scope = new NDScope()) {
          TrainingStream.Batch batch = stream.nextBatch(b);
          NDArray x = m.create(batch.images(), new Shape(b, 3, CANVAS, CANVAS));
          NDArray r = vae.decode(vae.encode(x).mode()).clip(-1, 1);
          float[] a = x.toFloatArray();
          float[] c = r.toFloatArray();
          for (int i = 0; i < a.length; i++) {
            double d = (a[i] - c[i]) / 2.0;
            se += d * d;
          }
          count += a.length;
        }
      }
    }
    return 10 * Math.log10(1.0 / (se / count));
  }
}
