package dev.unmasked.eval;

import com.google.gson.JsonObject;
import dev.unmasked.console.ProgressBar;
import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Scheduler;
import dev.unmasked.scheduler.Schedulers;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.Judgement;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt fidelity: each prompt generated once (text to image, the model's default sampling
 * settings, noise seed {@code firstNoiseSeed + i}) and read by the judge. Single-object prompts
 * score background, shape, color and pattern from the judge's single-object heads; two-object
 * prompts score whether both shapes and both colors are present (the judge's presence outputs,
 * which do not bind a color to a shape) and the background.
 */
public final class FidelityEval {
  private FidelityEval() {}

  /** Generated images (in prompt order: singles, then pairs) with their prompts. */
  public record Result(String scheduler, int steps, double guidance, Tally[] single, Tally[] pair,
      List<BufferedImage> images, List<String> prompts) {

    static final String[] SINGLE = {"background", "shape", "color", "pattern", "all"};
    static final String[] PAIR = {"both_shapes", "both_colors", "both_objects", "background", "all"};

    public JsonObject toJson() {
      JsonObject o = new JsonObject();
      o.addProperty("scheduler", scheduler);
      o.addProperty("steps", steps);
      o.addProperty("guidance", guidance);
      JsonObject s = new JsonObject();
      s.addProperty("prompts", single[0].n());
      for (int i = 0; i < SINGLE.length; i++) {
        s.add(SINGLE[i], single[i].toJson());
      }
      o.add("single_object", s);
      JsonObject p = new JsonObject();
      p.addProperty("prompts", pair[0].n());
      for (int i = 0; i < PAIR.length; i++) {
        p.add(PAIR[i], pair[i].toJson());
      }
      o.add("two_objects", p);
      return o;
    }
  }

  public static Result run(LoadedModel model, GenerationDefaults defaults, Judge judge,
      List<EvalPrompts.Single> singles, List<EvalPrompts.Pair> pairs, long firstNoiseSeed,
      PrintStream progress) {
    List<String> prompts = new ArrayList<>();
    singles.forEach(s -> prompts.add(s.text()));
    pairs.forEach(p -> prompts.add(p.text()));
    int f = model.vaeScaleFactor();
    int size = model.unet().config().sampleSize() * f;
    List<BufferedImage> images = new ArrayList<>();
    String schedulerName = null;
    ProgressBar bar = new ProgressBar("generate", prompts.size(), progress);
    for (int i = 0; i < prompts.size(); i++) {
      Scheduler sch = Schedulers.fromConfig(model.schedulerConfig(), defaults.scheduler());
      schedulerName = sch.name();
      StableDiffusionPipeline.Result r = new StableDiffusionPipeline(model, sch).generate(
          new GenerationRequest(prompts.get(i), "", defaults.steps(), defaults.guidance(), size,
              size, 1, firstNoiseSeed + i, null), null);
      images.add(PngImages.toImage(r.imagesUint8(), 0, size, size));
      bar.update(i + 1);
    }
    List<Judgement> read = judge.judgeImages(images);
    Tally[] single = tallies();
    for (int i = 0; i < singles.size(); i++) {
      EvalPrompts.Single s = singles.get(i);
      Judgement j = read.get(i);
      boolean bg = j.background() == s.background();
      boolean shape = j.shape() == s.object().shape();
      boolean color = j.color() == s.object().color();
      boolean pattern = j.pattern() == s.object().pattern();
      single[0].add(bg);
      single[1].add(shape);
      single[2].add(color);
      single[3].add(pattern);
      single[4].add(bg && shape && color && pattern);
    }
    Tally[] pair = tallies();
    for (int i = 0; i < pairs.size(); i++) {
      EvalPrompts.Pair p = pairs.get(i);
      Judgement j = read.get(singles.size() + i);
      boolean shapes = j.shapes().contains(p.first().shape()) && j.shapes().contains(p.second().shape());
      boolean colors = j.colors().contains(p.first().color()) && j.colors().contains(p.second().color());
      boolean bg = j.background() == p.background();
      pair[0].add(shapes);
      pair[1].add(colors);
      pair[2].add(shapes && colors);
      pair[3].add(bg);
      pair[4].add(shapes && colors && bg);
    }
    return new Result(schedulerName, defaults.steps(), defaults.guidance(), single, pair, images,
        prompts);
  }

  private static Tally[] tallies() {
    Tally[] t = new Tally[5];
    for (int i = 0; i < t.length; i++) {
      t[i] = new Tally();
    }
    return t;
  }
}
