package dev.unmasked.toyworld.judge;

import dev.unmasked.nn.Ops;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.TrainingStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the judge on an endless stream of rendered scenes (held-out triples included: the judge must
 * recognise them). Training scenes use seeds {@code 0 .. steps*batch-1}; batch {@code k} is always
 * the same scenes, so a resumed run sees the data a straight run would. Adam with linear warm-up and
 * cosine decay; a checkpoint (weights, Adam moments, step) every {@code checkpointEvery} steps in
 * {@code out/checkpoint.safetensors}, the final weights in {@code out/judge.safetensors}.
 */
public final class JudgeTrainer {

  /**
   * Training settings. {@code init}: optional weights to start a new run from (fine-tuning): tensors
   * of the current network found there are used, the others initialised from {@code seed}.
   * {@code firstScene}: seed of the first training scene (a fine-tuning run can continue where the
   * run it starts from stopped, so it sees new scenes).
   */
  public record Config(long seed, int steps, int batch, double lr, int streamThreads, int checkpointEvery, int evalScenes,
      Path init, long firstScene) {
    public static Config defaults() {
      return new Config(5, 2500, 32, 2e-3, 1, 250, 400, null, 0);
    }

    /** Seed of the last training scene. */
    public long lastScene() {
      return firstScene + (long) steps * batch - 1;
    }
  }

  /** Seeds of evaluation scenes during training (disjoint from training's 0..steps*batch). */
  public static final long EVAL_SEED = 1_000_000_000L;

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;
  private static final int WARMUP = 150;

  private JudgeTrainer() {}

  /** Runs (or resumes) training into {@code out}; returns the final weights' path. */
  public static Path train(Config cfg, Path out, PrintStream log) throws IOException {
    Files.createDirectories(out);
    Path ckpt = out.resolve("checkpoint.safetensors");
    Map<String, long[]> shapes = JudgeNet.shapes();
    Map<String, float[]> init = JudgeNet.initialValues(cfg.seed());
    Map<String, float[]> m0 = new LinkedHashMap<>();
    Map<String, float[]> v0 = new LinkedHashMap<>();
    int startStep = 0;
    if (cfg.init() != null && !Files.exists(ckpt)) {
      JudgeWeights.Tensors t = JudgeWeights.read(cfg.init());
      if (Judge.isEnsemble(t.metadata())) {
        throw new IllegalArgumentException("--init " + cfg.init() + " is an ensemble of judges;"
            + " start from one of the single judges it was made from");
      }
      int taken = 0;
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        float[] v = t.values().get(e.getKey());
        if (v != null && java.util.Arrays.equals(t.shapes().get(e.getKey()), e.getValue())) {
          init.put(e.getKey(), v);
          taken++;
        }
      }
      log.printf(Locale.ROOT, "starting from %s: %d of %d tensors taken, the rest initialised from seed %d%n",
          cfg.init(), taken, shapes.size(), cfg.seed());
    }
    if (Files.exists(ckpt)) {
      JudgeWeights.Tensors t = JudgeWeights.read(ckpt);
      startStep = Integer.parseInt(t.metadata().get("step"));
      for (String k : shapes.keySet()) {
        init.put(k, t.values().get(k));
        if (JudgeNet.isBuffer(k)) {
          continue;
        }
        m0.put(k, t.values().get("adam_m." + k));
        v0.put(k, t.values().get("adam_v." + k));
      }
      log.printf(Locale.ROOT, "resuming from %s at step %d%n", ckpt, startStep);
    }
    long t0 = System.nanoTime();
    try (NDManager base = NDManager.newBaseManager();
        TrainingStream stream = new TrainingStream(cfg.firstScene() + (long) startStep * cfg.batch(),
            SceneOptions.training().withHeldOut(SceneOptions.HeldOutPolicy.INCLUDE),
            cfg.streamThreads(), 4 * cfg.batch())) {
      JudgeNet net = JudgeNet.create(base, init);
      Map<String, NDArray> m = new LinkedHashMap<>();
      Map<String, NDArray> v = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : net.params().entrySet()) {
        if (JudgeNet.isBuffer(e.getKey())) {
          continue;
        }
        Shape s = e.getValue().getShape();
        m.put(e.getKey(), m0.containsKey(e.getKey()) ? base.create(m0.get(e.getKey()), s) : base.zeros(s));
        v.put(e.getKey(), v0.containsKey(e.getKey()) ? base.create(v0.get(e.getKey()), s) : base.zeros(s));
        e.getValue().setRequiresGradient(true);
      }
      double lossSum = 0;
      int lossN = 0;
      long tLog = System.nanoTime();
      for (int step = startStep; step < cfg.steps(); step++) {
        TrainingStream.Batch batch = stream.nextBatch(cfg.batch());
        double lr = lr(cfg, step);
        try (NDScope scope = new NDScope()) {
          NDArray x = base.create(batch.images(), new Shape(cfg.batch(), 3, Scene.CANVAS, Scene.CANVAS));
          Labels labels = Labels.of(base, batch);
          NDArray loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            JudgeNet.Output fwd = net.forward(x, true);
            loss = loss(fwd.logits(), labels).add(segLoss(fwd.seg(), labels)).add(centerLoss(fwd, labels));
            gc.backward(loss);
          }
          lossSum += loss.getFloat();
          lossN++;
          adam(net.params(), m, v, lr, step + 1);
        }
        if ((step + 1) % 50 == 0) {
          double secs = (System.nanoTime() - tLog) / 1e9;
          log.printf(Locale.ROOT, "step %d loss %.4f lr %.2e %.1f img/s elapsed %.0fs%n", step + 1, lossSum / lossN, lr,
              lossN * cfg.batch() / secs, (System.nanoTime() - t0) / 1e9);
          lossSum = 0;
          lossN = 0;
          tLog = System.nanoTime();
        }
        if ((step + 1) % cfg.checkpointEvery() == 0 || step + 1 == cfg.steps()) {
          saveCheckpoint(ckpt, net, m, v, step + 1, cfg);
          if (cfg.evalScenes() > 0) {
            try (Judge j = Judge.fromTensors(tensors(net.params(), Map.of()))) {
              log.println("eval step " + (step + 1) + ": "
                  + JudgeEval.evaluate(j, JudgeEval.freshScenes(EVAL_SEED, cfg.evalScenes(), 1, 3)).summary());
            }
          }
          tLog = System.nanoTime();
        }
      }
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("format", "unmasked-judge-v2");
      meta.put("steps", Integer.toString(cfg.steps()));
      meta.put("batch", Integer.toString(cfg.batch()));
      meta.put("seed", Long.toString(cfg.seed()));
      meta.put("lr", Double.toString(cfg.lr()));
      meta.put("training_scene_seeds", cfg.firstScene() + ".." + cfg.lastScene());
      if (cfg.init() != null) {
        meta.put("init", cfg.init().getFileName().toString());
      }
      Path finalPath = out.resolve("judge.safetensors");
      JudgeWeights.write(finalPath, tensors(net.params(), meta));
      log.printf(Locale.ROOT, "wrote %s after %.0fs in this run%n", finalPath, (System.nanoTime() - t0) / 1e9);
      return finalPath;
    }
  }

  static double lr(Config cfg, int step) {
    if (step < WARMUP) {
      return cfg.lr() * (step + 1) / WARMUP;
    }
    double p = (double) (step - WARMUP) / Math.max(1, cfg.steps() - WARMUP);
    return cfg.lr() * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * p)));
  }

  /** Sum of the per-head losses, each a mean over the batch. */
  static NDArray loss(NDArray logits, Labels y) {
    NDArray l = ce(slice(logits, JudgeNet.Head.BACKGROUND), y.background).mean();
    l = l.add(ce(slice(logits, JudgeNet.Head.COUNT), y.count).mean());
    NDArray single = ce(slice(logits, JudgeNet.Head.SHAPE), y.shape)
        .add(ce(slice(logits, JudgeNet.Head.COLOR), y.color))
        .add(ce(slice(logits, JudgeNet.Head.PATTERN), y.pattern)); // [B]
    l = l.add(single.mul(y.single).sum().div(y.singleCount));
    l = l.add(bce(slice(logits, JudgeNet.Head.SHAPES_PRESENT), y.shapes).sum(new int[] {1}).mean());
    return l.add(bce(slice(logits, JudgeNet.Head.COLORS_PRESENT), y.colors).sum(new int[] {1}).mean());
  }

  /**
   * Auxiliary dense loss: soft cross-entropy of each 8x8 cell's shape class (11, background last) and
   * pattern class (5, background last) against the fraction of the cell's pixels of each class, from
   * the renderer's exact label map. Teaches shape and pattern locally; mean over batch and cells.
   */
  static NDArray segLoss(NDArray seg, Labels y) {
    int k = JudgeNet.SEG_SHAPES;
    NDArray shapeLp = seg.get(":, 0:" + k).logSoftmax(1); // [B, 11, 8, 8]
    NDArray patternLp = seg.get(":, " + k + ":" + JudgeNet.SEG).logSoftmax(1); // [B, 5, 8, 8]
    NDArray l = y.segShape.mul(shapeLp).sum(new int[] {1}).mean().neg();
    return l.sub(y.segPattern.mul(patternLp).sum(new int[] {1}).mean());
  }

  /**
   * Detection loss: binary cross-entropy of each cell's centre logit per shape against a Gaussian
   * bump (sigma {@link Labels#CENTER_SIGMA} cells) around the centroid of each object's visible
   * pixels, summed over cells and shapes and divided by {@link #CENTER_NORM}; plus the presence BCE of
   * the maximum over cells (summed over the 10 shapes). Means over the batch.
   */
  static NDArray centerLoss(JudgeNet.Output out, Labels y) {
    NDArray dense = bce(out.centers(), y.centers).sum(new int[] {1, 2, 3}).mean();
    dense = Ops.divScalar(dense, CENTER_NORM);
    return dense.add(bce(out.presence(), y.shapes).sum(new int[] {1}).mean());
  }

  /** Divides the dense centre loss (640 terms per image) to the scale of the other heads. */
  static final float CENTER_NORM = 16f;

  private static NDArray slice(NDArray logits, JudgeNet.Head h) {
    return logits.get(":, " + h.start + ":" + (h.start + h.size));
  }

  private static NDArray ce(NDArray logits, NDArray onehot) {
    return onehot.mul(logits.logSoftmax(1)).sum(new int[] {1}).neg(); // [B]
  }

  /** Binary cross-entropy with logits, stable form max(z,0) - z*y + log(1 + exp(-|z|)). */
  private static NDArray bce(NDArray z, NDArray y) {
    return Activation.relu(z).sub(z.mul(y)).add(z.abs().neg().exp().add(1f).log());
  }

  private static void adam(Map<String, NDArray> params, Map<String, NDArray> m, Map<String, NDArray> v, double lr, int t) {
    double c1 = 1 - Math.pow(BETA1, t);
    double c2 = 1 - Math.pow(BETA2, t);
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      if (JudgeNet.isBuffer(e.getKey())) {
        continue;
      }
      NDArray p = e.getValue();
      NDArray g = p.getGradient();
      NDArray mk = m.get(e.getKey());
      NDArray vk = v.get(e.getKey());
      mk.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
      vk.muli((float) BETA2).addi(g.square().mul((float) (1 - BETA2)));
      NDArray update = mk.div((float) c1).div(vk.div((float) c2).sqrt().add((float) EPS)).mul((float) lr);
      p.subi(update);
      g.muli(0f);
    }
  }

  private static void saveCheckpoint(Path file, JudgeNet net, Map<String, NDArray> m, Map<String, NDArray> v, int step,
      Config cfg) throws IOException {
    JudgeWeights.Tensors t = tensors(net.params(), Map.of("step", Integer.toString(step),
        "seed", Long.toString(cfg.seed())));
    for (String k : m.keySet()) {
      t.values().put("adam_m." + k, m.get(k).toFloatArray());
      t.shapes().put("adam_m." + k, m.get(k).getShape().getShape());
      t.values().put("adam_v." + k, v.get(k).toFloatArray());
      t.shapes().put("adam_v." + k, v.get(k).getShape().getShape());
    }
    JudgeWeights.write(file, t);
  }

  private static JudgeWeights.Tensors tensors(Map<String, NDArray> params, Map<String, String> meta) {
    Map<String, float[]> values = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      values.put(e.getKey(), e.getValue().toFloatArray());
      shapes.put(e.getKey(), e.getValue().getShape().getShape());
    }
    return new JudgeWeights.Tensors(values, shapes, new LinkedHashMap<>(meta));
  }

  /** Targets of one batch, as arrays in the step's scope. */
  record Labels(NDArray background, NDArray count, NDArray shape, NDArray color, NDArray pattern, NDArray single,
      NDArray singleCount, NDArray shapes, NDArray colors, NDArray segShape, NDArray segPattern, NDArray centers) {

    /** Side of a segmentation cell in canvas pixels (64 / 8). */
    private static final int CELL = Scene.CANVAS / 8;
    /** Width of the centre targets, in cells. */
    static final double CENTER_SIGMA = 0.75;

    static Labels of(NDManager mgr, TrainingStream.Batch batch) {
      int b = batch.size();
      float[] bg = new float[b * 8];
      float[] cnt = new float[b * 3];
      float[] sh = new float[b * 10];
      float[] co = new float[b * 10];
      float[] pa = new float[b * 4];
      float[] single = new float[b];
      float[] shs = new float[b * 10];
      float[] cos = new float[b * 10];
      int singles = 0;
      int cells = 64;
      int k = JudgeNet.SEG_SHAPES;
      int kp = JudgeNet.SEG - k;
      float[] segSh = new float[b * k * cells];
      float[] segPa = new float[b * kp * cells];
      float w = 1f / (CELL * CELL);
      float[] ctr = new float[b * JudgeNet.DET * cells];
      for (int i = 0; i < b; i++) {
        Scene s = batch.scenes().get(i);
        int[] lab = Renderer.labels(s); // 0 = background, j+1 = object j
        int n = s.objects().size();
        double[] sx = new double[n + 1];
        double[] sy = new double[n + 1];
        int[] area = new int[n + 1];
        for (int py = 0; py < Scene.CANVAS; py++) {
          for (int px = 0; px < Scene.CANVAS; px++) {
            int l = lab[py * Scene.CANVAS + px];
            sx[l] += px + 0.5;
            sy[l] += py + 0.5;
            area[l]++;
            int cell = (py / CELL) * 8 + px / CELL;
            int sc = l == 0 ? k - 1 : s.objects().get(l - 1).shape().ordinal();
            int pc = l == 0 ? kp - 1 : s.objects().get(l - 1).pattern().ordinal();
            segSh[(i * k + sc) * cells + cell] += w;
            segPa[(i * kp + pc) * cells + cell] += w;
          }
        }
        for (int j = 1; j <= n; j++) {
          if (area[j] == 0) {
            continue;
          }
          double cx = sx[j] / area[j] / CELL; // centroid of the visible pixels, in cells
          double cy = sy[j] / area[j] / CELL;
          int base = (i * JudgeNet.DET + s.objects().get(j - 1).shape().ordinal()) * cells;
          for (int cell = 0; cell < cells; cell++) {
            double dx = cell % 8 + 0.5 - cx;
            double dy = cell / 8 + 0.5 - cy;
            float g = (float) Math.exp(-(dx * dx + dy * dy) / (2 * CENTER_SIGMA * CENTER_SIGMA));
            ctr[base + cell] = Math.max(ctr[base + cell], g);
          }
        }
        bg[i * 8 + s.background().ordinal()] = 1;
        cnt[i * 3 + s.objects().size() - 1] = 1;
        for (SceneObject o : s.objects()) {
          shs[i * 10 + o.shape().ordinal()] = 1;
          cos[i * 10 + o.color().ordinal()] = 1;
        }
        if (s.objects().size() == 1) {
          SceneObject o = s.objects().get(0);
          sh[i * 10 + o.shape().ordinal()] = 1;
          co[i * 10 + o.color().ordinal()] = 1;
          pa[i * 4 + o.pattern().ordinal()] = 1;
          single[i] = 1;
          singles++;
        }
      }
      return new Labels(mgr.create(bg, new Shape(b, 8)), mgr.create(cnt, new Shape(b, 3)),
          mgr.create(sh, new Shape(b, 10)), mgr.create(co, new Shape(b, 10)), mgr.create(pa, new Shape(b, 4)),
          mgr.create(single), mgr.create((float) Math.max(1, singles)), mgr.create(shs, new Shape(b, 10)),
          mgr.create(cos, new Shape(b, 10)), mgr.create(segSh, new Shape(b, k, 8, 8)),
          mgr.create(segPa, new Shape(b, kp, 8, 8)), mgr.create(ctr, new Shape(b, JudgeNet.DET, 8, 8)));
    }
  }
}
