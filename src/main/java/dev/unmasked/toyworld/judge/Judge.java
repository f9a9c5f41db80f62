package dev.unmasked.toyworld.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Scene;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * The toy world's judge: a small CNN ({@link JudgeNet}) that reads a 64x64 image and reports the
 * background, the single object's attributes, which shapes and colors are present, and a feature
 * vector for image-image similarity. It plays CLIP's and DINO's role in the toy-world metrics. A
 * judge may be an ensemble of several networks (see {@link #MEMBERS}).
 * Not thread-safe; close it to free its native memory.
 */
public final class Judge implements AutoCloseable {

  private static final int BATCH = 64;
  /** Most test-time views per image (see {@link #view}). */
  static final int MAX_VIEWS = 16;
  /** Metadata key of the calibrated shape-presence threshold (a logit; 0 when absent). */
  public static final String PRESENCE_THRESHOLD = "shape_presence_threshold";
  /** Metadata key of the number of test-time views, 8 or 16 (8 when absent). */
  public static final String VIEWS = "views";

  /**
   * Metadata key of the number of member networks (1 when absent). An ensemble file holds member
   * {@code i}'s tensors under the prefix {@code members.i.}; the judge averages every head over the
   * members as it does over the views, and takes the feature vector from member 0 alone (the members'
   * feature spaces differ).
   */
  public static final String MEMBERS = "members";

  private final NDManager manager;
  private final List<JudgeNet> nets;
  private final Map<String, String> metadata;

  private Judge(NDManager manager, List<JudgeNet> nets, Map<String, String> metadata) {
    this.manager = manager;
    this.nets = nets;
    this.metadata = metadata;
    this.presenceThreshold = Float.parseFloat(metadata.getOrDefault(PRESENCE_THRESHOLD, "0"));
    this.views = Integer.parseInt(metadata.getOrDefault(VIEWS, "8"));
    if (views != 8 && views != MAX_VIEWS) {
      throw new IllegalArgumentException("judge metadata '" + VIEWS + "' must be 8 or 16, got " + views);
    }
  }

  private final float presenceThreshold;
  private final int views;

  /** The judge shipped in the jar. */
  public static Judge loadDefault() throws IOException {
    return fromTensors(JudgeWeights.readShipped());
  }

  /** A judge from a safetensors file written by {@code world train-judge}. */
  public static Judge load(Path weights) throws IOException {
    return fromTensors(JudgeWeights.read(weights));
  }

  /** A judge from tensors read with {@link JudgeWeights} (metadata included). */
  public static Judge fromTensors(JudgeWeights.Tensors t) {
    NDManager m = NDManager.newBaseManager();
    try {
      int members = members(t.metadata());
      List<JudgeNet> nets = new ArrayList<>(members);
      if (members == 1) {
        nets.add(JudgeNet.create(m, t.values()));
      } else {
        for (int i = 0; i < members; i++) {
          nets.add(JudgeNet.create(m, JudgeWeights.member(t, i).values()));
        }
      }
      return new Judge(m, nets, t.metadata());
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** The shape-presence threshold (a logit) this judge applies. */
  public float presenceThreshold() {
    return presenceThreshold;
  }

  /** Test-time views averaged per image: 8 flips/transpositions, or those twice (also shifted). */
  public int views() {
    return views;
  }

  /** Member networks whose outputs are averaged (1 for a single network). */
  public int members() {
    return nets.size();
  }

  /** Whether weights with this metadata are an ensemble file (they carry {@link #MEMBERS}). */
  public static boolean isEnsemble(Map<String, String> metadata) {
    return metadata.containsKey(MEMBERS);
  }

  /** The {@link #MEMBERS} count in {@code metadata}: 1 when absent, otherwise a positive integer. */
  static int members(Map<String, String> metadata) {
    String v = metadata.get(MEMBERS);
    if (v == null) {
      return 1;
    }
    try {
      int k = Integer.parseInt(v.trim());
      if (k >= 1) {
        return k;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("judge metadata '" + MEMBERS + "' must be a positive integer, got '" + v + "'");
  }

  /** Training metadata stored with the weights (steps, seed, time). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Judges images given as {@code [3, 64, 64]} channel-first floats in [-1, 1]. */
  public List<Judgement> judge(List<float[]> images) {
    int pixels = 3 * Scene.CANVAS * Scene.CANVAS;
    List<Judgement> out = new ArrayList<>(images.size());
    for (int start = 0; start < images.size(); start += BATCH) {
      int b = Math.min(BATCH, images.size() - start);
      float[] x = new float[b * pixels];
      for (int i = 0; i < b; i++) {
        float[] img = images.get(start + i);
        if (img.length != pixels) {
          throw new IllegalArgumentException("judge input must be [3, 64, 64] = " + pixels + " floats, got " + img.length);
        }
        System.arraycopy(img, 0, x, i * pixels, pixels);
      }
      float[] logits;
      float[] presence;
      float[] features;
      try (NDScope scope = new NDScope()) {
        NDArray in = manager.create(x, new Shape(b, 3, Scene.CANVAS, Scene.CANVAS));
        NDIndex bgSlice = new NDIndex(":, " + JudgeNet.Head.BACKGROUND.start + ":" + JudgeNet.Head.BACKGROUND.end());
        NDArray l = null; // [b, 55]
        NDArray p = null; // [b, 10]
        NDArray f = null; // [b, 128], member 0 only
        NDArray background = null; // [b, 8], upright view only
        for (int k = 0; k < nets.size(); k++) {
          for (int v = 0; v < views; v++) {
            JudgeNet.Output o = nets.get(k).forward(view(in, v));
            l = l == null ? o.logits() : l.add(o.logits());
            p = p == null ? o.presence() : p.add(o.presence());
            if (k == 0) {
              f = f == null ? o.features() : f.add(o.features());
            }
            if (v == 0) {
              NDArray bgv = o.logits().get(bgSlice);
              background = background == null ? bgv : background.add(bgv);
            }
          }
        }
        int n = views * nets.size();
        l = l.div(n);
        // the background's textures have an orientation (bricks, sky gradients): read it upright only
        l.set(bgSlice, background.div(nets.size()));
        logits = l.toFloatArray();
        presence = p.div(n).toFloatArray();
        features = f.div(f.norm(new int[] {1}, true).add(1e-12f)).toFloatArray();
      }
      for (int i = 0; i < b; i++) {
        out.add(decode(logits, i * JudgeNet.LOGITS, presence, i * JudgeNet.DET, features, i * JudgeNet.FEATURES));
      }
    }
    return out;
  }

  /**
   * View {@code v} of a batch: views 0-7 are the 8 flips and transpositions of the square (view 0 is
   * the image itself), views 8-15 the same after shifting the image by half a detection cell (4 px
   * right and down, edges repeated), which moves objects against the 8x8 grid. Objects in the toy
   * world have any rotation and position, so every view is an equally valid picture of the same
   * objects; averaging the heads over them cut shape-presence and pattern errors (docs/JUDGE.md).
   */
  static NDArray view(NDArray x, int v) {
    NDArray y = x;
    if (v >= 8) {
      int d = Scene.CANVAS / 16;
      int keep = Scene.CANVAS - d;
      y = y.get(":, :, 0:1, :").repeat(2, d).concat(y.get(":, :, 0:" + keep + ", :"), 2);
      y = y.get(":, :, :, 0:1").repeat(3, d).concat(y.get(":, :, :, 0:" + keep), 3);
    }
    if ((v & 1) != 0) {
      y = y.flip(3);
    }
    if ((v & 2) != 0) {
      y = y.flip(2);
    }
    if ((v & 4) != 0) {
      y = y.transpose(0, 1, 3, 2);
    }
    return y;
  }

  /** Judges images of any size (resampled to 64x64 by area averaging when needed). */
  public List<Judgement> judgeImages(List<BufferedImage> images) {
    List<float[]> x = new ArrayList<>();
    for (BufferedImage img : images) {
      x.add(toChw(img));
    }
    return judge(x);
  }

  /** An image as {@code [3, 64, 64]} floats in [-1, 1]. */
  public static float[] toChw(BufferedImage img) {
    int side = Scene.CANVAS;
    BufferedImage src = img;
    if (img.getWidth() != side || img.getHeight() != side) {
      Image scaled = img.getScaledInstance(side, side, Image.SCALE_AREA_AVERAGING);
      src = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
      src.getGraphics().drawImage(scaled, 0, 0, null);
    }
    int[] rgb = src.getRGB(0, 0, side, side, null, 0, side);
    return dev.unmasked.toyworld.Rendering.toChw(rgb, side * side);
  }

  /**
   * Shapes present come from the detection branch (maximum centre logit over cells, averaged over
   * the views, above the calibrated threshold stored with the weights); colors
   * present from the pooled head's presence logits; the rest from the pooled head's argmaxes.
   */
  private Judgement decode(float[] logits, int off, float[] presence, int poff, float[] features, int foff) {
    Background bg = Background.values()[argmax(logits, off, JudgeNet.Head.BACKGROUND)];
    int count = argmax(logits, off, JudgeNet.Head.COUNT) + 1;
    dev.unmasked.toyworld.Shape shape = dev.unmasked.toyworld.Shape.values()[argmax(logits, off, JudgeNet.Head.SHAPE)];
    ObjectColor color = ObjectColor.values()[argmax(logits, off, JudgeNet.Head.COLOR)];
    Pattern pattern = Pattern.values()[argmax(logits, off, JudgeNet.Head.PATTERN)];
    EnumSet<dev.unmasked.toyworld.Shape> shapes = EnumSet.noneOf(dev.unmasked.toyworld.Shape.class);
    EnumSet<ObjectColor> colors = EnumSet.noneOf(ObjectColor.class);
    int pc = off + JudgeNet.Head.COLORS_PRESENT.start;
    for (int k = 0; k < 10; k++) {
      if (presence[poff + k] > presenceThreshold) {
        shapes.add(dev.unmasked.toyworld.Shape.values()[k]);
      }
      if (logits[pc + k] > 0) {
        colors.add(ObjectColor.values()[k]);
      }
    }
    float[] f = new float[JudgeNet.FEATURES];
    System.arraycopy(features, foff, f, 0, f.length);
    float[] scores = new float[JudgeNet.DET];
    System.arraycopy(presence, poff, scores, 0, scores.length);
    return new Judgement(bg, count, shape, color, pattern, shapes, colors, f, scores);
  }

  private static int argmax(float[] v, int off, JudgeNet.Head head) {
    int best = 0;
    for (int k = 1; k < head.size; k++) {
      if (v[off + head.start + k] > v[off + head.start + best]) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public void close() {
    manager.close();
  }
}
