package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.UserError;
import dev.unmasked.nn.Ops;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.scheduler.SchedulerConfig;
import dev.unmasked.scheduler.SchedulerType;
import dev.unmasked.training.AdamW;
import dev.unmasked.training.Checkpoint;
import dev.unmasked.training.LrSchedule;
import dev.unmasked.training.Noising;
import dev.unmasked.training.ThreadGovernor;
import dev.unmasked.training.TrainLoop;
import dev.unmasked.training.TrainRng;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ALGORITHM.md on a loaded model: new token rows initialised from their words; image latents (and
 * their mirror images) encoded once; an E-step before training (modes em and fixed) and every R
 * steps (em) until consecutive masks agree; training steps with union sampling, the masked diffusion
 * loss and the cross-attention loss through the differentiable maps; phase 1 trains only the new
 * rows. Everything a resume needs (rows, optimizer moments, RNG, masks, E-step count) is in the
 * checkpoint, so a resumed run ends with the embeddings of an uninterrupted one.
 */
public final class ConceptLearner {
  private final LoadedModel model;
  private final List<InputImage> images;
  private final List<ConceptSpec> concepts;
  private final LearnOptions o;
  private final RunFolder run;
  private final PrintStream log;
  private final BetaSchedule schedule;
  private final boolean vPrediction;
  private final int[] tokenIds;
  private final List<List<Integer>> conceptsOf = new ArrayList<>(); // image -> concept indices
  private final List<float[][]> latents = new ArrayList<>(); // image -> {plain, flipped}
  private long[] latentShape;
  private final MaskState masks;
  private MaskEstimator estimator;
  private float[][] priorLatents; // prior preservation, or null

  public ConceptLearner(LoadedModel model, List<InputImage> images, List<ConceptSpec> concepts,
      LearnOptions options, RunFolder run, PrintStream log) {
    this.model = model;
    this.images = images;
    this.concepts = concepts;
    this.o = options;
    this.run = run;
    this.log = log;
    SchedulerConfig sc = SchedulerConfig.parse(model.schedulerConfig(), SchedulerType.DDPM, "scheduler");
    this.schedule = BetaSchedule.of(sc);
    this.vPrediction = "v_prediction".equals(sc.predictionType());
    this.tokenIds = new int[concepts.size()];
    for (int n = 0; n < images.size(); n++) {
      List<Integer> ks = new ArrayList<>();
      for (int k = 0; k < concepts.size(); k++) {
        List<String> in = concepts.get(k).images();
        if (in == null || in.contains(images.get(n).stem())) {
          ks.add(k);
        }
      }
      conceptsOf.add(ks);
    }
    this.masks = new MaskState(images, concepts, conceptsOf);
  }

  /** The trained rows [K, D] (one per concept, in order). */
  public record Result(float[][] embeddings, int dim) {}

  /** Tokens and their starting rows; the images' latents (and their mirror images), once. */
  public void prepare(NDManager base) {
    if (estimator != null) {
      return;
    }
    NDArray rows = TokenInit.rows(model, concepts, tokenIds, base, log);
    model.textEncoder().setExtraTokens(rows);
    encodeImages(base);
    estimator = new MaskEstimator(model, o, schedule);
  }

  public Result learn(NDManager base, TrainLoop.Budget budget) throws IOException {
    try {
      return learnOrFail(base, budget);
    } catch (java.io.UncheckedIOException | IOException e) {
      IOException io = e instanceof IOException x ? x : ((java.io.UncheckedIOException) e).getCause();
      // A full disk or a vanished folder: the atomic writes left the previous checkpoint whole.
      throw new UserError(run.dir() + ": a file operation failed (" + io.getMessage() + "); the last "
          + "checkpoint in " + run.checkpoint().getParent() + " is intact: free space, then "
          + "learn --resume " + run.dir(), io);
    }
  }

  private Result learnOrFail(NDManager base, TrainLoop.Budget budget) throws IOException {
    prepare(base);
    if (o.prior() != null && o.prior().on()) {
      priorLatents = PriorImages.latents(model, o.prior(), run.dir().resolve("prior"), o.seed(), base, log);
    }
    NDArray rows = model.textEncoder().extraTokens();
    run.setValidationPrompts(o.validationPrompts().isEmpty()
        ? ConceptSamples.defaultPrompts(concepts, o) : o.validationPrompts());
    Map<String, NDArray> trained = Map.of("token_embeddings", rows);
    long total = o.phase1Steps();
    try (AdamW opt = new AdamW(AdamW.Config.defaults(), trained)) {
      TrainLoop.Start start = TrainLoop.resume(run.checkpoint(), opt, null, o.seed(), log);
      if (start.checkpoint() != null) {
        masks.restore(start.checkpoint().state());
      } else {
        // 3. Masks before training: the user's, or a first E-step.
        if (o.mode() == LearnOptions.Mode.USER) {
          masks.loadUser(run);
        } else if (o.usesMasks()) {
          eStep(0, base);
        }
      }
      TrainLoop.Settings s = new TrainLoop.Settings("learn", total, o.batch(),
          LrSchedule.constant(o.phase1Lr(), Math.min(10, (int) total / 10)), 0, 1e9,
          o.checkpointEvery(), budget, run.checkpoint(), run.identity(), masks::state);
      TrainLoop.Listener listener = new TrainLoop.Listener() {
        @Override
        public void afterStep(long step, Map<String, Double> terms, double lr, double gradNorm) {
          long done = step + 1;
          try {
            run.logLoss(done, "1", terms, lr);
            if (o.mode() == LearnOptions.Mode.EM && !masks.converged() && done % o.estepEvery() == 0
                && done < total) {
              eStep(done, base);
            }
            if (o.validateEvery() > 0 && done % o.validateEvery() == 0) {
              run.samples(model, done, concepts);
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };
      long done = TrainLoop.run(s, opt, null, start, this::losses, listener,
          ThreadGovernor.fromLauncher(), log);
      float[][] out = rowsOf(rows);
      if (done < total) {
        log.printf(Locale.ROOT, "stopped at step %d of %d; continue with --resume %s%n", done, total,
            run.dir());
        return null;
      }
      LoraAdapters adapters = null;
      if (o.phase2() != LearnOptions.Phase2.NONE && o.phase2Steps() > 0) {
        adapters = o.phase2() == LearnOptions.Phase2.LORA
            ? new LoraAdapters(model.unet(), o.loraRank(), o.seed() + 7, base) : null;
        if (!phase2(rows, adapters, budget)) {
          return null;
        }
      }
      run.finish(model, concepts, images, masks, out, adapters == null ? null : adapters.weights(),
          o.phase2() == LearnOptions.Phase2.FULL ? model.unet() : null);
      return new Result(out, (int) rows.getShape().get(1));
    }
  }

  /** Phase 2: the rows frozen, the LoRA (or every UNet weight) trained with clipping; masks stay. */
  private boolean phase2(NDArray rows, LoraAdapters adapters, TrainLoop.Budget budget)
      throws IOException {
    NDArray frozen = rows.duplicate();
    model.textEncoder().setExtraTokens(frozen);
    Map<String, NDArray> trained = adapters != null ? adapters.params() : model.unet().parameters();
    long total = o.phase2Steps();
    try (AdamW opt = new AdamW(AdamW.Config.defaults(), trained)) {
      TrainLoop.Start start = TrainLoop.resume(run.checkpoint2(), opt, null, o.seed() + 2, log);
      TrainLoop.Settings s = new TrainLoop.Settings("learn phase 2", total, o.batch(),
          LrSchedule.constant(o.phase2Lr(), 0), o.clipNorm(), 1e9, o.checkpointEvery(), budget,
          run.checkpoint2(), run.identity(), masks::state);
      TrainLoop.Listener listener = new TrainLoop.Listener() {
        @Override
        public void afterStep(long step, Map<String, Double> terms, double lr, double gradNorm) {
          try {
            run.logLoss(o.phase1Steps() + step + 1, "2", terms, lr);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };
      long done = TrainLoop.run(s, opt, null, start, this::losses, listener,
          ThreadGovernor.fromLauncher(), log);
      if (done < total) {
        log.printf(Locale.ROOT, "stopped at phase-2 step %d of %d; continue with --resume %s%n", done,
            total, run.dir());
        return false;
      }
      return true;
    }
  }

  private static float[][] rowsOf(NDArray rows) {
    int k = (int) rows.getShape().get(0);
    int d = (int) rows.getShape().get(1);
    float[] all = rows.toFloatArray();
    float[][] out = new float[k][d];
    for (int i = 0; i < k; i++) {
      System.arraycopy(all, i * d, out[i], 0, d);
    }
    return out;
  }

  private void encodeImages(NDManager base) {
    double scale = model.vae().config().scalingFactor();
    for (InputImage im : images) {
      float[][] both = new float[2][];
      for (int f = 0; f < 2; f++) {
        try (NDScope scope = new NDScope()) {
          NDArray x = cast(base.create(im.chw(f == 1), new Shape(1, 3, im.size(), im.size())),
              model.textEncoder().extraTokens().getDataType());
          NDArray z = model.vae().encode(x).mode().mul(scale);
          latentShape = z.getShape().slice(1).getShape();
          both[f] = z.toType(DataType.FLOAT32, false).toFloatArray();
        }
      }
      latents.add(both);
    }
  }

  /** Prompt naming concepts {@code ks} of image n (objects first, then backgrounds). */
  String prompt(List<Integer> ks) {
    List<String> obj = new ArrayList<>();
    List<String> bg = new ArrayList<>();
    for (int k : ks) {
      (concepts.get(k).background() ? bg : obj).add(concepts.get(k).token());
    }
    return o.prompt(obj, bg);
  }

  /** Re-estimates every image's masks (no gradients) and records them. */
  void eStep(long step, NDManager base) throws IOException {
    long t0 = System.nanoTime();
    TrainRng rng = new TrainRng(o.seed() * 1_000_003L + 977 * step + 13);
    Map<String, List<Mask>> estimates = new LinkedHashMap<>();
    for (int n = 0; n < images.size(); n++) {
      List<Integer> ks = conceptsOf.get(n);
      if (ks.isEmpty()) {
        continue;
      }
      String p = prompt(ks);
      int[] pos = new int[ks.size()];
      boolean[] bg = new boolean[ks.size()];
      for (int j = 0; j < ks.size(); j++) {
        pos[j] = Prompts.position(model, p, tokenIds[ks.get(j)]);
        bg[j] = concepts.get(ks.get(j)).background();
      }
      MaskEstimator.Estimate e = estimator.estimate(images.get(n), latents.get(n)[0], latentShape, p,
          pos, bg, rng, base);
      estimates.put(images.get(n).stem(), e.masks());
    }
    double agreement = masks.update(step, estimates);
    run.recordMasks(step, masks, images, concepts);
    log.printf(Locale.ROOT, "E-step %d at step %d: %.1f s, lowest IoU with the previous masks %s%s%n",
        masks.count(), step, (System.nanoTime() - t0) / 1e9,
        Double.isNaN(agreement) ? "-" : String.format(Locale.ROOT, "%.3f", agreement),
        masks.converged() ? " (converged: masks stay)" : "");
    if (!Double.isNaN(agreement) && agreement > o.stopIoU()) {
      masks.markConverged();
    }
  }

  /** One training step's losses: union sampling, masked diffusion loss, cross-attention loss. */
  Map<String, NDArray> losses(long step, TrainRng rng) {
    NDManager m = model.textEncoder().extraTokens().getManager();
    DataType dt = model.textEncoder().extraTokens().getDataType();
    int b = o.batch();
    int d = latents.get(0)[0].length;
    float[] z = new float[b * d];
    long[] t = new long[b];
    List<String> prompts = new ArrayList<>();
    int kmax = 0;
    List<List<Integer>> chosen = new ArrayList<>();
    boolean[] flips = new boolean[b];
    int[] imageOf = new int[b];
    for (int i = 0; i < b; i++) {
      int n = pickImage(rng);
      List<Integer> ks = new ArrayList<>(conceptsOf.get(n));
      int k = 1 + rng.nextInt(ks.size());
      for (int j = ks.size() - 1; j > 0; j--) { // Fisher-Yates, then the first k
        int r = rng.nextInt(j + 1);
        Integer tmp = ks.get(j);
        ks.set(j, ks.get(r));
        ks.set(r, tmp);
      }
      List<Integer> subset = ks.subList(0, k);
      boolean flip = o.flip() && rng.nextDouble() < 0.5;
      System.arraycopy(latents.get(n)[flip ? 1 : 0], 0, z, i * d, d);
      t[i] = rng.nextInt(schedule.size());
      prompts.add(prompt(subset));
      chosen.add(new ArrayList<>(subset));
      flips[i] = flip;
      imageOf[i] = n;
      kmax = Math.max(kmax, k);
    }
    Shape shape = new Shape(b, latentShape[0], latentShape[1], latentShape[2]);
    NDArray z0 = cast(m.create(z, shape), dt);
    NDArray eps = cast(m.create(rng.gaussians(b * d), shape), dt);
    NDArray zt = Noising.addNoise(schedule, z0, eps, t);
    NDArray target = vPrediction ? Noising.velocity(schedule, z0, eps, t) : eps;
    NDArray ctx = Prompts.encode(model, m, prompts);
    AttentionMaps maps = null;
    if (o.usesMasks() && o.lambdaAttn() > 0) {
      int[][] pos = new int[b][];
      for (int i = 0; i < b; i++) {
        pos[i] = new int[chosen.get(i).size()];
        for (int j = 0; j < pos[i].length; j++) {
          pos[i][j] = Prompts.position(model, prompts.get(i), tokenIds[chosen.get(i).get(j)]);
        }
      }
      maps = new AttentionMaps(m, pos, kmax, o.attnResolutions(), o.attnMid(), dt);
    }
    NDArray pred = model.unet().forward(zt, m.create(t), ctx, maps);
    Map<String, NDArray> out = new LinkedHashMap<>();
    NDArray err = pred.sub(target);
    NDArray rec;
    if (o.usesMasks()) {
      int h = (int) latentShape[1];
      int w = (int) latentShape[2];
      float[] union = new float[b * h * w];
      for (int i = 0; i < b; i++) {
        Mask u = null;
        for (int k : chosen.get(i)) {
          Mask mk = masks.mask(imageOf[i], k).resizeNearest(w, h);
          u = u == null ? mk : u.union(mk);
        }
        float[] f = (flips[i] ? u.flipped() : u).toFloats();
        System.arraycopy(f, 0, union, i * h * w, h * w);
      }
      NDArray mask = cast(m.create(union, new Shape(b, 1, h, w)), dt);
      rec = err.mul(mask).square().mean();
    } else {
      rec = err.square().mean();
    }
    out.put("rec", rec);
    NDArray total = rec;
    if (maps != null) {
      NDArray a = maps.maps(); // [B, Kmax, s, s]
      int side = maps.side();
      NDArray peak = a.reshape(b, kmax, (long) side * side).max(new int[] {2}, true)
          .reshape(b, kmax, 1, 1).add(1e-6f);
      NDArray an = a.div(peak);
      float[] tm = new float[b * kmax * side * side];
      float[] valid = new float[b * kmax];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < chosen.get(i).size(); j++) {
          Mask mk = masks.mask(imageOf[i], chosen.get(i).get(j)).resizeNearest(side, side);
          float[] f = (flips[i] ? mk.flipped() : mk).toFloats();
          System.arraycopy(f, 0, tm, (i * kmax + j) * side * side, side * side);
          valid[i * kmax + j] = 1f;
        }
      }
      NDArray mt = cast(m.create(tm, new Shape(b, kmax, side, side)), dt);
      NDArray perMap = an.sub(mt).square().reshape(b, kmax, (long) side * side)
          .mean(new int[] {2}); // [B, Kmax]
      NDArray attn = perMap.mul(cast(m.create(valid, new Shape(b, kmax)), dt)).sum();
      attn = Ops.divScalar(attn, b);
      out.put("attn", attn);
      total = total.add(Ops.mulScalar(attn, o.lambdaAttn()));
    }
    if (priorLatents != null) {
      NDArray prior = priorLoss(m, dt, rng, b, d, shape);
      out.put("prior", prior);
      total = total.add(Ops.mulScalar(prior, o.prior().weight()));
    }
    out.put(TrainLoop.TOTAL, total);
    return out;
  }

  /** Plain diffusion loss on {@code b} of the prior images with the class prompt. */
  private NDArray priorLoss(NDManager m, DataType dt, TrainRng rng, int b, int d, Shape shape) {
    float[] z = new float[b * d];
    long[] t = new long[b];
    for (int i = 0; i < b; i++) {
      System.arraycopy(priorLatents[rng.nextInt(priorLatents.length)], 0, z, i * d, d);
      t[i] = rng.nextInt(schedule.size());
    }
    NDArray z0 = cast(m.create(z, shape), dt);
    NDArray eps = cast(m.create(rng.gaussians(b * d), shape), dt);
    NDArray target = vPrediction ? Noising.velocity(schedule, z0, eps, t) : eps;
    NDArray ctx = Prompts.encode(model, m, java.util.Collections.nCopies(b, o.prior().prompt()));
    NDArray pred = model.unet().forward(Noising.addNoise(schedule, z0, eps, t), m.create(t), ctx, null);
    return pred.sub(target).square().mean();
  }

  private static NDArray cast(NDArray a, DataType dt) {
    return a.getDataType() == dt ? a : a.toType(dt, false);
  }

  private int pickImage(TrainRng rng) {
    while (true) {
      int n = rng.nextInt(images.size());
      if (!conceptsOf.get(n).isEmpty()) {
        return n;
      }
    }
  }

  LoadedModel modelForTests() {
    return model;
  }

  /** The trained rows as the text encoder reads them. */
  NDArray modelRows() {
    return model.textEncoder().extraTokens();
  }

  void setModelRows(NDArray rows) {
    model.textEncoder().setExtraTokens(rows);
  }

  public MaskState masks() {
    return masks;
  }

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new UserError(message);
    }
  }
}
