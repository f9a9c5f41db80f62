package dev.unmasked.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonObject;
import dev.unmasked.console.ProgressBar;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Rendering;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.SceneSampler;
import dev.unmasked.toyworld.Shape;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.Judgement;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The autoencoder on rendered scenes: reconstruction PSNR (images in [0, 1]; all pixels and object
 * pixels alone) of {@code decode(posterior mean)}, and how the judge's reading of the reconstruction
 * agrees with its reading of the original on single-object scenes (background, shape, color,
 * pattern), with both readings' accuracy against the ground truth beside it. Even-numbered scenes
 * hold one object, odd-numbered ones two or three.
 */
public final class VaeEval {
  private static final int BATCH = 16;
  static final String[] ATTRIBUTES = {"background", "shape", "color", "pattern"};

  private VaeEval() {}

  /** Tallies are indexed like {@link #ATTRIBUTES}, then "all four" last. */
  public record Result(int scenes, double psnr, double objectPsnr, Tally[] agreement,
      Tally[] originalVsTruth, Tally[] reconstructionVsTruth) {

    public JsonObject toJson() {
      JsonObject o = new JsonObject();
      o.addProperty("scenes", scenes);
      o.addProperty("single_object_scenes", agreement[0].n());
      o.addProperty("psnr_db", psnr);
      o.addProperty("object_pixels_psnr_db", objectPsnr);
      o.add("judge_reconstruction_vs_original", tallies(agreement));
      o.add("judge_original_vs_truth", tallies(originalVsTruth));
      o.add("judge_reconstruction_vs_truth", tallies(reconstructionVsTruth));
      return o;
    }

    private static JsonObject tallies(Tally[] t) {
      JsonObject o = new JsonObject();
      for (int i = 0; i < ATTRIBUTES.length; i++) {
        o.add(ATTRIBUTES[i], t[i].toJson());
      }
      o.add("all", t[ATTRIBUTES.length].toJson());
      return o;
    }
  }

  public static Result run(AutoencoderKL vae, Judge judge, NDManager m, long firstSeed, int n,
      PrintStream progress) {
    SceneOptions single = SceneOptions.training().withObjects(1, 1);
    SceneOptions multi = SceneOptions.training().withObjects(2, 3);
    double se = 0;
    long count = 0;
    double objSe = 0;
    long objCount = 0;
    Tally[] agree = tallies();
    Tally[] origTruth = tallies();
    Tally[] recTruth = tallies();
    int px = Scene.CANVAS * Scene.CANVAS;
    ProgressBar bar = new ProgressBar("vae", n, progress);
    for (int start = 0; start < n; start += BATCH) {
      int b = Math.min(BATCH, n - start);
      List<Scene> scenes = new ArrayList<>(b);
      float[] x = new float[b * 3 * px];
      int[][] labels = new int[b][];
      for (int i = 0; i < b; i++) {
        int k = start + i;
        Scene sc = SceneSampler.sample(firstSeed + k, k % 2 == 0 ? single : multi);
        Rendering r = Renderer.render(sc, 1);
        scenes.add(sc);
        labels[i] = r.labels();
        System.arraycopy(r.chw(), 0, x, i * 3 * px, 3 * px);
      }
      float[] rec;
      try (NDScope scope = new NDScope()) {
        NDArray in = m.create(x, new ai.djl.ndarray.types.Shape(b, 3, Scene.CANVAS, Scene.CANVAS)); // [B, 3, 64, 64]
        rec = vae.decode(vae.encode(in).mean()).clip(-1, 1).toFloatArray(); // [B, 3, 64, 64]
      }
      List<float[]> originals = new ArrayList<>();
      List<float[]> recons = new ArrayList<>();
      List<Scene> singles = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        for (int c = 0; c < 3; c++) {
          for (int p = 0; p < px; p++) {
            int at = (i * 3 + c) * px + p;
            double d = (x[at] - rec[at]) / 2.0; // [-1, 1] -> [0, 1] units
            se += d * d;
            count++;
            if (labels[i][p] > 0) {
              objSe += d * d;
              objCount++;
            }
          }
        }
        if (scenes.get(i).objects().size() == 1) {
          singles.add(scenes.get(i));
          originals.add(java.util.Arrays.copyOfRange(x, i * 3 * px, (i + 1) * 3 * px));
          recons.add(java.util.Arrays.copyOfRange(rec, i * 3 * px, (i + 1) * 3 * px));
        }
      }
      if (!singles.isEmpty()) {
        List<Judgement> jo = judge.judge(originals);
        List<Judgement> jr = judge.judge(recons);
        for (int i = 0; i < singles.size(); i++) {
          Scene sc = singles.get(i);
          Reading truth = Reading.of(sc);
          Reading orig = Reading.of(jo.get(i));
          Reading recon = Reading.of(jr.get(i));
          compare(agree, recon, orig);
          compare(origTruth, orig, truth);
          compare(recTruth, recon, truth);
        }
      }
      bar.update(start + b);
    }
    return new Result(n, psnr(se, count), psnr(objSe, objCount), agree, origTruth, recTruth);
  }

  static double psnr(double se, long count) {
    return count == 0 ? Double.NaN : 10 * Math.log10(1.0 / Math.max(se / count, 1e-12));
  }

  private static Tally[] tallies() {
    Tally[] t = new Tally[ATTRIBUTES.length + 1];
    for (int i = 0; i < t.length; i++) {
      t[i] = new Tally();
    }
    return t;
  }

  /** What a single-object image shows, as read by the judge or known from the scene. */
  private record Reading(Background background, Shape shape, ObjectColor color, Pattern pattern) {
    static Reading of(Judgement j) {
      return new Reading(j.background(), j.shape(), j.color(), j.pattern());
    }

    static Reading of(Scene s) {
      SceneObject o = s.objects().get(0);
      return new Reading(s.background(), o.shape(), o.color(), o.pattern());
    }
  }

  private static void compare(Tally[] t, Reading a, Reading b) {
    boolean bg = a.background() == b.background();
    boolean shape = a.shape() == b.shape();
    boolean color = a.color() == b.color();
    boolean pattern = a.pattern() == b.pattern();
    t[0].add(bg);
    t[1].add(shape);
    t[2].add(color);
    t[3].add(pattern);
    t[4].add(bg && shape && color && pattern);
  }
}
