package dev.unmasked.concepts;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.SceneSampler;
import dev.unmasked.training.AdamW;
import dev.unmasked.training.TrainLoop;
import dev.unmasked.training.TrainRng;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the two kinds of work of {@code learn} on a loaded model: a phase-1 step (forward, backward
 * to the token rows, AdamW) and an E-step, on a rendered two-object toy scene at the model's
 * resolution; reports peak RSS.
 */
public final class LearnBenchmark {
  private LearnBenchmark() {}

  public record Result(double stepMs, double eStepMs, int estepT, long peakRssKb) {}

  public static Result run(LoadedModel model, LearnOptions o, int steps, int eSteps, NDManager m,
      PrintStream out) throws Exception {
    int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
    int scale = Math.max(1, size / 64);
    var scene = SceneSampler.sample(11, SceneOptions.training().withObjects(2, 2));
    var rendering = Renderer.render(scene, scale);
    int[] rgb = rendering.width() == size ? rendering.rgb()
        : InputImage.resizeCrop(rendering.image(), size).getRGB(0, 0, size, size, null, 0, size);
    InputImage im = new InputImage(Path.of("bench.png"), "bench", size, rgb, List.of(), "");
    Path tmp = Files.createTempDirectory("unmasked-bench-learn");
    List<ConceptSpec> cs = List.of(new ConceptSpec("<v1>", null, null, false, Map.of()),
        new ConceptSpec("<v2>", null, null, false, Map.of()));
    RunFolder run = new RunFolder(tmp, "{}");
    run.open(false, new com.google.gson.JsonObject());
    ConceptLearner l = new ConceptLearner(model, List.of(im), cs, o, run,
        new PrintStream(java.io.OutputStream.nullOutputStream()));
    l.prepare(m);
    double[] e = new double[eSteps];
    for (int i = 0; i < eSteps; i++) {
      long t0 = System.nanoTime();
      l.eStep(i, m);
      e[i] = (System.nanoTime() - t0) / 1e6;
      out.printf(Locale.ROOT, "E-step %d: %.1f ms (T = %d)%n", i, e[i], o.estepTimesteps());
    }
    double[] s = new double[steps];
    TrainRng rng = new TrainRng(5);
    try (AdamW opt = new AdamW(AdamW.Config.defaults(), Map.of("rows", model.textEncoder().extraTokens()))) {
      for (int i = 0; i < steps + 1; i++) {
        long t0 = System.nanoTime();
        try (NDScope scope = new NDScope()) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(l.losses(i, rng).get(TrainLoop.TOTAL));
          }
          opt.step(o.phase1Lr());
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (i > 0) {
          s[i - 1] = ms;
        }
        out.printf(Locale.ROOT, "step %d%s: %.1f ms%n", i, i == 0 ? " (warm-up)" : "", ms);
      }
    }
    return new Result(median(s), median(e), o.estepTimesteps(), peakRssKb());
  }

  static double median(double[] a) {
    double[] c = a.clone();
    java.util.Arrays.sort(c);
    return c.length == 0 ? Double.NaN : c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  /** VmHWM of this process (kB), or -1 off Linux. */
  public static long peakRssKb() {
    return dev.unmasked.bench.MachineInfo.peakRssKb();
  }

}
