package dev.unmasked.basemodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.model.vae.DiagonalGaussianDistribution;
import dev.unmasked.nn.Params;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.TrainingStream;
import dev.unmasked.training.AdamW;
import dev.unmasked.training.Checkpoint;
import dev.unmasked.training.Ema;
import dev.unmasked.training.LrSchedule;
import dev.unmasked.training.ThreadGovernor;
import dev.unmasked.training.TrainLoop;
import dev.unmasked.training.TrainRng;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code unet}: a small {@code CLIPTextModel} and the {@code UNet2DConditionModel} trained
 * together from scratch on latents of the frozen VAE (posterior samples times scaling_factor,
 * computed on the fly from fresh scenes), epsilon prediction under SD's scaled-linear schedule,
 * captions dropped to "" for 10% of samples (classifier-free guidance). AdamW, EMA of the weights
 * (what ships). Every {@code evalEvery} steps a {@code loss.csv} row: the held-out loss of the EMA
 * weights per timestep bucket next to the data-mean baseline; every {@code sampleEvery} steps the
 * EMA model is exported to the output folder and a sample grid drawn from it.
 */
final class UNetStage {
  static final long FIRST_SCENE = 100_000_000L;
  static final String TE = "text_encoder.";
  static final String UNET = "unet.";

  private UNetStage() {}

  static boolean run(Path out, PretrainSettings s, EvalSizes sizes, TrainLoop.Budget deadline,
      ThreadGovernor threads, PrintStream log) throws IOException {
    Path ckpt = Files.createDirectories(out.resolve("checkpoints")).resolve("unet.safetensors");
    ModelExport.writeTokenizer(out);
    CLIPTokenizer tok = CLIPTokenizer.fromFolder(out.resolve("tokenizer"));
    try (NDManager base = NDManager.newBaseManager();
        SafetensorsFile vaeWeights = SafetensorsFile.open(out.resolve("vae/diffusion_pytorch_model.safetensors"))) {
      AutoencoderKL vae = AutoencoderKL.load(ConfigJson.read(out.resolve("vae/config.json")), vaeWeights,
          base, DataType.FLOAT32);
      double scale = vae.config().scalingFactor();
      CLIPTextModel te = new CLIPTextModel(ToyModelSpec.textEncoderConfig(),
          Params.initialised(s.seed() + 10, base, DataType.FLOAT32));
      UNet2DConditionModel unet = new UNet2DConditionModel(ToyModelSpec.unetConfig(s.unetSize()),
          Params.initialised(s.seed() + 11, base, DataType.FLOAT32));
      Map<String, NDArray> params = new LinkedHashMap<>();
      te.parameters().forEach((k, v) -> params.put(TE + k, v));
      unet.parameters().forEach((k, v) -> params.put(UNET + k, v));
      try (AdamW opt = new AdamW(AdamW.Config.defaults(), params);
          Ema ema = new Ema(s.emaDecay(), params)) {
        TrainLoop.Start start = TrainLoop.resume(ckpt, opt, ema, s.seed() + 3, log);
        HeldOutSet held = HeldOutSet.build(vae, scale, base, sizes.heldOutScenes(),
            sizes.heldOutPerBucket());
        LossLog csv = LossLog.open(out.resolve("loss.csv"), start.step(), held.baseline());
        int b = s.unetBatch();
        BetaSchedule sched = Diffusion.schedule();
        try (TrainingStream stream = new TrainingStream(FIRST_SCENE + start.step() * b,
            SceneOptions.training(), 1, 4 * b)) {
          TrainLoop.Step step = (i, rng) -> {
            TrainingStream.Batch batch = stream.nextBatch(b);
            NDArray z;
            try (NDScope noGrad = new NDScope()) {
              DiagonalGaussianDistribution post = vae.encode(base.create(batch.images(),
                  new Shape(b, 3, Scene.CANVAS, Scene.CANVAS)));
              z = post.sample(base.create(rng.gaussians((int) post.mean().size()), post.mean().getShape()))
                  .mul(scale).stopGradient();
              NDScope.unregister(z);
            }
            NDScope.register(z);
            long[] t = new long[b];
            List<String> caps = new ArrayList<>();
            for (int k = 0; k < b; k++) {
              t[k] = rng.nextInt(sched.size());
              caps.add(rng.nextDouble() < s.captionDropout() ? "" : batch.captions().get(k));
            }
            NDArray eps = base.create(rng.gaussians((int) z.size()), z.getShape());
            NDArray zt = Diffusion.addNoise(sched, z, eps, t);
            NDArray ctx = Diffusion.encodeText(te, tok, base, caps);
            NDArray pred = unet.forward(zt, base.create(t), ctx, null);
            NDArray sq = pred.sub(eps).square();
            if (s.unetObjectWeight() == 1.0) {
              return Map.of(TrainLoop.TOTAL, sq.mean());
            }
            NDArray w = latentWeights(base, batch, s.unetObjectWeight(), z.getShape().get(2));
            return Map.of(TrainLoop.TOTAL, sq.mul(w).mean().div(w.mean()));
          };
          TrainLoop.Listener listener = new TrainLoop.Listener() {
            double lossSum;
            double normSum;
            int n;

            @Override
            public void afterStep(long i, Map<String, Double> terms, double lr, double gradNorm) {
              lossSum += terms.get(TrainLoop.TOTAL);
              normSum += gradNorm;
              n++;
              long done = i + 1;
              try {
                if (done % s.evalEvery() == 0 || done == s.unetSteps()) {
                  HeldOutSet.Scores h = evaluate(ema, s.unetSize(), held, tok, base);
                  csv.row(done, lr, lossSum / n, normSum / n, h);
                  lossSum = 0;
                  normSum = 0;
                  n = 0;
                }
                if (done % s.sampleEvery() == 0 || done == s.unetSteps()) {
                  export(out, ema, s.unetSize(), done);
                  samples(out, done, base, sizes);
                }
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          };
          TrainLoop.Settings ts = new TrainLoop.Settings("unet", s.unetSteps(), b,
              LrSchedule.cosine(s.unetLr(), s.warmup(), s.unetSteps(), 0.1), 1.0,
              s.checkpointSeconds(), deadline, ckpt, s.asMetadata());
          long done = TrainLoop.run(ts, opt, ema, start, step, listener, threads, log);
          csv.close();
          if (done < s.unetSteps()) {
            export(out, ema, s.unetSize(), done);
            return false;
          }
          log.println("unet: done; the model is in " + out);
          return true;
        }
      }
    }
  }

  /**
   * Loss weights at latent resolution, [B, 1, h, h]: each latent pixel the mean of its image
   * pixels' weights ({@link VaeStage#pixelWeights}: objects {@code objectWeight}, background 1), so a
   * latent pixel an object half covers weighs halfway. Computed by libtorch from the image-size
   * weights (a tensor libtorch owns, as the loss's backward needs it).
   */
  static NDArray latentWeights(NDManager m, TrainingStream.Batch batch, double objectWeight,
      long latentSize) {
    int b = batch.size();
    long f = Scene.CANVAS / latentSize;
    NDArray px = m.create(VaeStage.pixelWeights(batch, objectWeight),
        new Shape(b, 1, Scene.CANVAS, Scene.CANVAS));
    return px.reshape(b, 1, latentSize, f, latentSize, f).mean(new int[] {5}).mean(new int[] {3});
  }

  /** Held-out MSE per bucket of the EMA weights. */
  private static HeldOutSet.Scores evaluate(Ema ema, UNetSize size, HeldOutSet held, CLIPTokenizer tok,
      NDManager base) {
    try (NDManager m = base.newSubManager()) {
      Map<String, NDArray> w = ema.weights();
      CLIPTextModel te = new CLIPTextModel(ToyModelSpec.textEncoderConfig(), sub(w, TE), m, DataType.FLOAT32);
      UNet2DConditionModel unet = new UNet2DConditionModel(ToyModelSpec.unetConfig(size), sub(w, UNET), m,
          DataType.FLOAT32);
      return held.modelLoss(te, unet, tok, m);
    }
  }

  private static dev.unmasked.io.MapTensorSource sub(Map<String, NDArray> w, String prefix) {
    Map<String, NDArray> part = new LinkedHashMap<>();
    w.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        part.put(k.substring(prefix.length()), v);
      }
    });
    return WeightFiles.source(part);
  }

  private static void export(Path out, Ema ema, UNetSize size, long step) throws IOException {
    Map<String, NDArray> te = new LinkedHashMap<>();
    Map<String, NDArray> unet = new LinkedHashMap<>();
    ema.weights().forEach((k, v) -> (k.startsWith(TE) ? te : unet)
        .put(k.substring(k.startsWith(TE) ? TE.length() : UNET.length()), v));
    ModelExport.writeTextAndUNet(out, te, unet, ToyModelSpec.unetJson(size),
        Map.of("step", Long.toString(step), "weights", "ema"));
  }

  private static void samples(Path out, long step, NDManager base, EvalSizes sizes)
      throws IOException {
    try (NDManager m = base.newSubManager()) {
      LoadedModel model = LoadedModel.load(out, m, DataType.FLOAT32);
      Path dir = Files.createDirectories(out.resolve("samples"));
      SampleGrid.write(model, SampleGrid.PROMPTS.subList(0, sizes.samplePrompts()), 0,
          sizes.sampleSteps(), 4.0,
          dir.resolve(String.format(Locale.ROOT, "step-%06d.png", step)));
    }
  }

  /** {@code loss.csv}: rows at evaluation steps; a resume drops rows past its checkpoint. */
  static final class LossLog implements AutoCloseable {
    private final Path file;
    private final long t0 = System.nanoTime();
    private final double[] baseline;
    private final double secondsBefore;

    private LossLog(Path file, double[] baseline, double secondsBefore) {
      this.file = file;
      this.baseline = baseline;
      this.secondsBefore = secondsBefore;
    }

    static LossLog open(Path file, long resumedAt, double[] baseline) throws IOException {
      List<String> keep = new ArrayList<>();
      double secs = 0;
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (line.startsWith("step")) {
            continue;
          }
          String[] f = line.split(",", -1);
          if (Long.parseLong(f[0]) <= resumedAt) {
            // rows written before the object column existed end one field short: leave it empty
            keep.add(f.length == COLUMNS - 1 ? line + "," : line);
            secs = Double.parseDouble(f[1]);
          }
        }
      }
      StringBuilder head = new StringBuilder("step,seconds,lr,train_loss,grad_norm,heldout_all");
      for (String b : HeldOutSet.bucketNames()) {
        head.append(",heldout_").append(b).append(",baseline_").append(b);
      }
      head.append(",heldout_objects");
      List<String> lines = new ArrayList<>();
      lines.add(head.toString());
      lines.addAll(keep);
      dev.unmasked.io.AtomicFile.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
      return new LossLog(file, baseline, secs);
    }

    /** Fields per row: step, seconds, lr, train, norm, all, two per bucket, objects. */
    static final int COLUMNS = 6 + 2 * HeldOutSet.BUCKETS.length + 1;

    void row(long step, double lr, double train, double norm, HeldOutSet.Scores scores)
        throws IOException {
      double[] heldout = scores.buckets();
      double all = 0;
      for (double h : heldout) {
        all += h / heldout.length;
      }
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%d,%.1f,%.3e,%.5f,%.4f,%.5f", step,
          secondsBefore + (System.nanoTime() - t0) / 1e9, lr, train, norm, all));
      for (int i = 0; i < heldout.length; i++) {
        sb.append(String.format(Locale.ROOT, ",%.5f,%.5f", heldout[i], baseline[i]));
      }
      sb.append(String.format(Locale.ROOT, ",%.5f", scores.objects()));
      Files.writeString(file, sb + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    @Override
    public void close() {}
  }
}
