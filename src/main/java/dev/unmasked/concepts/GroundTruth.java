package dev.unmasked.concepts;

import java.util.ArrayList;
import java.util.List;

/**
 * Which ground-truth region a concept stands for in an image: a background concept the background;
 * an object concept the object whose attribute words its initializer names most (ties: the best
 * overlap with its first mask), each object taken once.
 */
final class GroundTruth {
  private GroundTruth() {}

  /** For each of the image's concepts, the index of its truth region, or -1. */
  static int[] match(InputImage image, List<ConceptSpec> cs, List<Mask> firstMasks) {
    List<InputImage.Truth> truth = image.truth();
    int[] out = new int[cs.size()];
    java.util.Arrays.fill(out, -1);
    if (truth.isEmpty()) {
      return out;
    }
    boolean[] taken = new boolean[truth.size()];
    // Greedy over (concept, region) pairs by score: word matches first, then overlap.
    List<double[]> pairs = new ArrayList<>();
    for (int j = 0; j < cs.size(); j++) {
      for (int r = 0; r < truth.size(); r++) {
        InputImage.Truth t = truth.get(r);
        if (t.background() != cs.get(j).background()) {
          continue;
        }
        int words = 0;
        if (cs.get(j).initWords() != null) {
          for (String w : cs.get(j).initWords().toLowerCase(java.util.Locale.ROOT).split("\\s+")) {
            words += t.words().contains(w) ? 1 : 0;
          }
        }
        double overlap = firstMasks == null ? 0 : firstMasks.get(j).iou(t.mask());
        pairs.add(new double[] {words + overlap / 2, j, r});
      }
    }
    pairs.sort((a, b) -> Double.compare(b[0], a[0]));
    for (double[] p : pairs) {
      int j = (int) p[1];
      int r = (int) p[2];
      if (out[j] < 0 && !taken[r]) {
        out[j] = r;
        taken[r] = true;
      }
    }
    return out;
  }
}
