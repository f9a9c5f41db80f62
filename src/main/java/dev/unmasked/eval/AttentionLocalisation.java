package dev.unmasked.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.console.ProgressBar;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.scheduler.GaussianNoise;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.SceneSampler;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does the UNet's cross-attention find the objects a caption names? Rendered two-object scenes are
 * encoded (posterior mean times scaling_factor), noised at fixed timesteps and passed through the
 * UNet once with their caption and once with a caption in which each object's phrase is replaced by
 * a new token whose embedding row is the mean of the phrase words' rows (how a concept token is
 * initialised). Each object gets three maps, averaged over heads, the latent-size and half-size
 * cross-attention layers and the timesteps: its phrase's tokens (mean), its shape word, its new
 * token. They are scored against the exact masks shrunk to the latent size by majority vote:
 * IoU after min-max normalisation and threshold 0.5, IoU after the argmax among the objects and a
 * background label (score 1 - max of the normalised maps), and whether the raw map is higher on
 * average on its own object than on the other one.
 */
public final class AttentionLocalisation {
  /** The map kinds, in report order. */
  public static final String[] VARIANTS = {"phrase", "shape_word", "new_token"};
  private static final int BATCH = 4;
  private static final int OBJECTS = 2;

  private AttentionLocalisation() {}

  /** Scores of one map kind (at one timestep, or averaged over all). */
  public static final class Scores {
    final Mean iouThreshold = new Mean();
    final Mean iouArgmax = new Mean();
    final Mean backgroundIouArgmax = new Mean();
    final Tally ownHigher = new Tally();

    public double iouThreshold() {
      return iouThreshold.value();
    }

    public double iouArgmax() {
      return iouArgmax.value();
    }

    public Tally ownHigher() {
      return ownHigher;
    }

    public int objects() {
      return iouThreshold.n();
    }

    JsonObject toJson() {
      JsonObject o = new JsonObject();
      o.add("iou_minmax_threshold_0.5", iouThreshold.toJson());
      o.add("iou_argmax", iouArgmax.toJson());
      o.add("background_iou_argmax", backgroundIouArgmax.toJson());
      o.add("own_object_higher", ownHigher.toJson());
      return o;
    }
  }

  /**
   * @param all per variant, maps averaged over every timestep
   * @param perTimestep per timestep, per variant, maps of that timestep alone
   */
  public record Result(int scenes, int objects, int emptyMasks, long[] timesteps, int mapSide,
      Map<String, Integer> layers, Map<String, Scores> all, Map<Long, Map<String, Scores>> perTimestep) {

    public JsonObject toJson() {
      JsonObject o = new JsonObject();
      o.addProperty("scenes", scenes);
      o.addProperty("objects", objects);
      o.addProperty("objects_without_pixels_at_map_size", emptyMasks);
      JsonArray ts = new JsonArray();
      for (long t : timesteps) {
        ts.add(t);
      }
      o.add("timesteps", ts);
      o.addProperty("map_side", mapSide);
      JsonObject l = new JsonObject();
      layers.forEach(l::addProperty);
      o.add("layers", l);
      JsonObject a = new JsonObject();
      all.forEach((k, v) -> a.add(k, v.toJson()));
      o.add("averaged_over_timesteps", a);
      JsonObject per = new JsonObject();
      perTimestep.forEach((t, m) -> {
        JsonObject x = new JsonObject();
        m.forEach((k, v) -> x.add(k, v.toJson()));
        per.add(Long.toString(t), x);
      });
      o.add("per_timestep", per);
      return o;
    }
  }

  /** The model parts and the fixed choices of one localisation run. */
  private record Setup(CLIPTokenizer tok, CLIPTextModel te, UNet2DConditionModel unet,
      AutoencoderKL vae, BetaSchedule sched, NDManager m, long firstSeed, long[] timesteps,
      String[] tokenNames, int[] tokenIds, int vocab, float[] table) {}

  /**
   * One batch of scenes: token ids [2B, 77] (captions, then captions with new tokens), where each
   * object's words and new token sit, and the new tokens' embedding rows.
   */
  private record Batch(int start, List<Scene> scenes, float[] images, long[] ids,
      int[][][] phrasePos, int[][][] shapePos, int[][] tokenPos, float[] extraRows, int rows) {
    int size() {
      return scenes.size();
    }
  }

  public static Result run(CLIPTokenizer tok, CLIPTextModel te, UNet2DConditionModel unet,
      AutoencoderKL vae, BetaSchedule sched, NDManager m, long firstSeed, int n, long[] timesteps,
      PrintStream progress) {
    int v = (int) te.config().vocabSize();
    String[] names = new String[BATCH * OBJECTS];
    for (int k = 0; k < names.length; k++) {
      names[k] = "<eval-object-" + k + ">";
    }
    int[] newIds = tok.addTokens(List.of(names));
    if (Arrays.stream(newIds).min().getAsInt() < v) {
      throw new IllegalStateException("the tokenizer has " + tok.vocabSize()
          + " entries but the text encoder's vocab_size is " + v + ": added tokens would reuse rows");
    }
    Setup su = new Setup(tok, te, unet, vae, sched, m, firstSeed, timesteps, names, newIds, v,
        te.tokenEmbedding().toFloatArray()); // table [V, D]
    Map<String, Scores> all = scoresMap();
    Map<Long, Map<String, Scores>> perT = new LinkedHashMap<>();
    for (long t : timesteps) {
      perT.put(t, scoresMap());
    }
    Map<String, Integer> layers = new LinkedHashMap<>();
    int[] counts = new int[3]; // map side, objects, objects without pixels
    ProgressBar bar = new ProgressBar("attention", n, progress);
    for (int start = 0; start < n; start += BATCH) {
      Batch b = prepare(su, start, Math.min(BATCH, n - start));
      List<CrossAttentionMaps> maps = observe(su, b);
      counts[0] = maps.get(0).side();
      maps.forEach(o -> layers.putAll(o.layers()));
      scoreBatch(su, b, maps, all, perT, counts);
      bar.update(start + b.size());
    }
    return new Result(n, counts[1], counts[2], timesteps.clone(), counts[0], layers, all, perT);
  }

  /** 1. Scenes, captions, token positions and the new tokens' rows (mean of the phrase's rows). */
  private static Batch prepare(Setup su, int start, int b) {
    SceneOptions options = SceneOptions.training().withObjects(OBJECTS, OBJECTS);
    CLIPTokenizer tok = su.tok();
    int d = (int) su.te().config().hiddenSize();
    int rows = Arrays.stream(su.tokenIds()).max().getAsInt() - su.vocab() + 1;
    List<Scene> scenes = new ArrayList<>();
    float[] x = new float[b * 3 * Scene.CANVAS * Scene.CANVAS];
    long[] ids = new long[2 * b * 77];
    int[][][] phrasePos = new int[b][OBJECTS][];
    int[][][] shapePos = new int[b][OBJECTS][];
    int[][] tokenPos = new int[b][OBJECTS];
    float[] extra = new float[rows * d];
    for (int i = 0; i < b; i++) {
      Scene sc = SceneSampler.sample(su.firstSeed() + start + i, options);
      scenes.add(sc);
      float[] img = Renderer.render(sc, 1).chw();
      System.arraycopy(img, 0, x, i * img.length, img.length);
      int[] orig = tok.encodePadded(sc.caption());
      String replaced = sc.caption();
      for (int j = 0; j < OBJECTS; j++) {
        SceneObject o = sc.objects().get(j);
        int[] phrase = tok.encode(o.triple().phrase(), false);
        int at = find(orig, phrase, sc.caption());
        phrasePos[i][j] = range(at, phrase.length);
        int shapeLen = tok.encode(o.shape().word(), false).length;
        shapePos[i][j] = range(at + phrase.length - shapeLen, shapeLen);
        int k = i * OBJECTS + j;
        replaced = replacePhrase(replaced, o.triple().phrase(), su.tokenNames()[k]);
        int row = su.tokenIds()[k] - su.vocab();
        for (int id : phrase) {
          for (int c = 0; c < d; c++) {
            extra[row * d + c] += su.table()[id * d + c] / phrase.length;
          }
        }
      }
      int[] rep = tok.encodePadded(replaced);
      for (int j = 0; j < OBJECTS; j++) {
        tokenPos[i][j] = find(rep, new int[] {su.tokenIds()[i * OBJECTS + j]}, replaced);
      }
      for (int p = 0; p < 77; p++) {
        ids[i * 77 + p] = orig[p];
        ids[(b + i) * 77 + p] = rep[p];
      }
    }
    return new Batch(start, scenes, x, ids, phrasePos, shapePos, tokenPos, extra, rows);
  }

  /**
   * 2. One UNet pass per timestep over both captions of every scene, the same noise for both:
   * the maps of item i (caption) and B + i (new tokens).
   */
  private static List<CrossAttentionMaps> observe(Setup su, Batch batch) {
    NDManager m = su.m();
    int b = batch.size();
    int d = (int) su.te().config().hiddenSize();
    List<CrossAttentionMaps> maps = new ArrayList<>();
    try (NDScope scope = new NDScope()) {
      su.te().setExtraTokens(m.create(batch.extraRows(), new Shape(batch.rows(), d)));
      NDArray ctx;
      try {
        ctx = su.te().forward(m.create(batch.ids(), new Shape(2L * b, 77))).lastHiddenState(); // [2B, 77, D]
      } finally {
        su.te().setExtraTokens(null);
      }
      NDArray z = su.vae().encode(m.create(batch.images(), new Shape(b, 3, Scene.CANVAS, Scene.CANVAS)))
          .mean().mul(su.vae().config().scalingFactor()); // [B, 4, h, w]
      long[] zs = z.getShape().getShape();
      float[] z0 = z.toFloatArray();
      int per = z0.length / b;
      for (int ti = 0; ti < su.timesteps().length; ti++) {
        long t = su.timesteps()[ti];
        float[] eps = new float[z0.length];
        for (int i = 0; i < b; i++) {
          float[] e = new float[per];
          new GaussianNoise(su.firstSeed() + 1_000_000L * ti + batch.start() + i).fill(e);
          System.arraycopy(e, 0, eps, i * per, per);
        }
        long[] ts = new long[b];
        Arrays.fill(ts, t);
        float[] zt = su.sched().addNoise(z0, eps, ts);
        float[] twice = Arrays.copyOf(zt, 2 * zt.length);
        System.arraycopy(zt, 0, twice, zt.length, zt.length);
        long[] t2 = new long[2 * b];
        Arrays.fill(t2, t);
        CrossAttentionMaps obs = new CrossAttentionMaps(2 * b, (int) zs[2]);
        try (NDScope step = new NDScope()) {
          su.unet().forward(m.create(twice, new Shape(2L * b, zs[1], zs[2], zs[3])), m.create(t2),
              ctx, obs);
        }
        maps.add(obs);
      }
    }
    return maps;
  }

  /** 3. Each scene's three maps per object, per timestep and averaged, against its masks. */
  private static void scoreBatch(Setup su, Batch batch, List<CrossAttentionMaps> maps,
      Map<String, Scores> all, Map<Long, Map<String, Scores>> perT, int[] counts) {
    int side = maps.get(0).side();
    int b = batch.size();
    long[] timesteps = su.timesteps();
    for (int i = 0; i < b; i++) {
      int[] labels = MaskScores.downsampleLabels(Renderer.labels(batch.scenes().get(i)), Scene.CANVAS,
          Scene.CANVAS / side);
      boolean[][] masks = new boolean[OBJECTS][];
      for (int j = 0; j < OBJECTS; j++) {
        masks[j] = MaskScores.mask(labels, j + 1);
        counts[1]++;
        counts[2] += hasPixels(masks[j]) ? 0 : 1;
      }
      float[][][] mean = new float[VARIANTS.length][OBJECTS][side * side];
      for (int ti = 0; ti < timesteps.length; ti++) {
        CrossAttentionMaps obs = maps.get(ti);
        float[][][] at = new float[VARIANTS.length][OBJECTS][];
        for (int j = 0; j < OBJECTS; j++) {
          at[0][j] = obs.mean(i, batch.phrasePos()[i][j]);
          at[1][j] = obs.mean(i, batch.shapePos()[i][j]);
          at[2][j] = obs.mean(b + i, batch.tokenPos()[i][j]);
        }
        for (int k = 0; k < VARIANTS.length; k++) {
          score(perT.get(timesteps[ti]).get(VARIANTS[k]), at[k], labels, masks);
          for (int j = 0; j < OBJECTS; j++) {
            for (int p = 0; p < side * side; p++) {
              mean[k][j][p] += at[k][j][p] / timesteps.length;
            }
          }
        }
      }
      for (int k = 0; k < VARIANTS.length; k++) {
        score(all.get(VARIANTS[k]), mean[k], labels, masks);
      }
    }
  }

  /** Scores one scene's maps (one per object) against its labels. */
  static void score(Scores s, float[][] maps, int[] labels, boolean[][] masks) {
    List<float[]> norm = new ArrayList<>();
    for (float[] map : maps) {
      norm.add(MaskScores.minMax(map));
    }
    int[] arg = MaskScores.argmaxLabels(norm);
    s.backgroundIouArgmax.add(MaskScores.iou(MaskScores.mask(arg, 0), MaskScores.mask(labels, 0)));
    for (int j = 0; j < maps.length; j++) {
      if (!hasPixels(masks[j])) {
        continue;
      }
      s.iouThreshold.add(MaskScores.iou(MaskScores.threshold(norm.get(j), 0.5), masks[j]));
      s.iouArgmax.add(MaskScores.iou(MaskScores.mask(arg, j + 1), masks[j]));
      for (int o = 0; o < maps.length; o++) {
        if (o != j && hasPixels(masks[o])) {
          s.ownHigher.add(MaskScores.meanInside(maps[j], masks[j]) > MaskScores.meanInside(maps[j], masks[o]));
        }
      }
    }
  }

  /** The caption with {@code "a|an " + phrase} replaced by {@code "a " + token}. */
  static String replacePhrase(String caption, String phrase, String token) {
    String out = caption.replaceFirst("\\ban? " + java.util.regex.Pattern.quote(phrase) + "\\b",
        java.util.regex.Matcher.quoteReplacement("a " + token));
    if (out.equals(caption)) {
      throw new IllegalStateException("phrase '" + phrase + "' not in caption '" + caption + "'");
    }
    return out;
  }

  private static Map<String, Scores> scoresMap() {
    Map<String, Scores> m = new LinkedHashMap<>();
    for (String v : VARIANTS) {
      m.put(v, new Scores());
    }
    return m;
  }

  private static boolean hasPixels(boolean[] mask) {
    for (boolean b : mask) {
      if (b) {
        return true;
      }
    }
    return false;
  }

  private static int[] range(int from, int len) {
    int[] r = new int[len];
    for (int i = 0; i < len; i++) {
      r[i] = from + i;
    }
    return r;
  }

  /** First position of {@code needle} in {@code ids}. */
  static int find(int[] ids, int[] needle, String caption) {
    outer:
    for (int i = 0; i + needle.length <= ids.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (ids[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException(String.format(Locale.ROOT, "tokens %s not found in caption '%s'",
        Arrays.toString(needle), caption));
  }
}
