package dev.unmasked.eval;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.judge.Judgement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How one generated sample of a learned concept is read, from the judge's outputs (plain Java,
 * testable on hand-made judgements). Single-concept samples use the judge's single-object heads
 * (shape, color, pattern); samples with several concepts its presence outputs (which shapes and
 * which colors are in the image; they do not bind a color to a shape).
 */
public final class SampleScores {
  private SampleScores() {}

  /** Shape, color and pattern of a single-object sample against the concept's object: four hits. */
  public static boolean[] attributes(Judgement j, SceneObject truth) {
    boolean shape = j.shape() == truth.shape();
    boolean color = j.color() == truth.color();
    boolean pattern = j.pattern() == truth.pattern();
    return new boolean[] {shape, color, pattern, shape && color && pattern};
  }

  /**
   * A leaked background: the judge sees one of the concept's own scene backgrounds although the
   * prompt asked for another ({@code requested} not among them); false when it asked for one of them.
   */
  public static boolean backgroundLeak(Judgement j, Background requested, Set<Background> sceneBackgrounds) {
    return !sceneBackgrounds.contains(requested) && sceneBackgrounds.contains(j.background());
  }

  /** A leaked color: the judge sees a color of another object of the concept's scenes (not its own). */
  public static boolean colorLeak(Judgement j, Set<ObjectColor> otherColors) {
    for (ObjectColor c : otherColors) {
      if (j.colors().contains(c)) {
        return true;
      }
    }
    return false;
  }

  /** Whether every object's shape and every object's color are present. */
  public static boolean allPresent(Judgement j, List<SceneObject> objects) {
    for (SceneObject o : objects) {
      if (!j.shapes().contains(o.shape()) || !j.colors().contains(o.color())) {
        return false;
      }
    }
    return true;
  }

  /** Cosine similarity of two L2-normalised judge features. */
  public static double similarity(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("features of " + a.length + " and " + b.length + " values");
    }
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  /**
   * Diversity of the samples of one prompt: the mean over pairs of {@code 1 - cosine} of their judge
   * features (0: identical; NaN with fewer than two samples).
   */
  public static double diversity(List<float[]> features) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < features.size(); i++) {
      for (int k = i + 1; k < features.size(); k++) {
        sum += 1 - similarity(features.get(i), features.get(k));
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** The features of some judgements. */
  public static List<float[]> features(List<Judgement> js) {
    List<float[]> out = new ArrayList<>(js.size());
    js.forEach(j -> out.add(j.feature()));
    return out;
  }
}
