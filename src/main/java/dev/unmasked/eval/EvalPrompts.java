package dev.unmasked.eval;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.Caption;
import dev.unmasked.toyworld.HeldOut;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Shape;
import dev.unmasked.toyworld.Triple;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The prompts of the prompt-fidelity test, in the pretraining captions' grammar ({@link Caption}),
 * from triples that are not held out. Each attribute runs through shuffled rounds of all its values,
 * so {@code n} single-object prompts cover every shape and color once {@code n >= 10}, every pattern
 * once {@code n >= 4} and every background once {@code n >= 8}. A held-out triple swaps its pattern
 * with another prompt's where that leaves both seen (which keeps the coverage), else takes the next
 * pattern (never held out: no shape and color pair is held out under two patterns).
 */
public final class EvalPrompts {
  private EvalPrompts() {}

  /** One object on a background. */
  public record Single(Triple object, Background background, String text) {}

  /** Two objects of different shapes and different colors on a background. */
  public record Pair(Triple first, Triple second, Background background, String text) {}

  public static List<Single> singles(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] s = rounds(rng, Shape.values().length, n);
    int[] c = rounds(rng, ObjectColor.values().length, n);
    int[] p = rounds(rng, Pattern.values().length, n);
    int[] b = rounds(rng, Background.values().length, n);
    avoidHeldOut(s, c, p);
    List<Single> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Triple t = seen(s[i], c[i], p[i]);
      Background bg = Background.values()[b[i]];
      out.add(new Single(t, bg, Caption.of(List.of(t), bg)));
    }
    return out;
  }

  public static List<Pair> pairs(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
    // Rounds of 10 have even length, so items 2k and 2k+1 come from one round and differ.
    int[] s = rounds(rng, Shape.values().length, 2 * n);
    int[] c = rounds(rng, ObjectColor.values().length, 2 * n);
    int[] p = rounds(rng, Pattern.values().length, 2 * n);
    int[] b = rounds(rng, Background.values().length, n);
    avoidHeldOut(s, c, p);
    List<Pair> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Triple first = seen(s[2 * i], c[2 * i], p[2 * i]);
      Triple second = seen(s[2 * i + 1], c[2 * i + 1], p[2 * i + 1]);
      Background bg = Background.values()[b[i]];
      out.add(new Pair(first, second, bg, Caption.of(List.of(first, second), bg)));
    }
    return out;
  }

  /** Swaps patterns between items so that fewer (shape, color, pattern) items are held out. */
  static void avoidHeldOut(int[] s, int[] c, int[] p) {
    for (int i = 0; i < p.length; i++) {
      if (!held(s[i], c[i], p[i])) {
        continue;
      }
      for (int j = 0; j < p.length; j++) {
        if (j != i && !held(s[i], c[i], p[j]) && !held(s[j], c[j], p[i])) {
          int x = p[i];
          p[i] = p[j];
          p[j] = x;
          break;
        }
      }
    }
  }

  private static boolean held(int s, int c, int p) {
    return HeldOut.isHeldOut(Shape.values()[s], ObjectColor.values()[c], Pattern.values()[p]);
  }

  private static Triple seen(int s, int c, int p) {
    Triple t = new Triple(Shape.values()[s], ObjectColor.values()[c], Pattern.values()[p]);
    for (int k = 1; HeldOut.isHeldOut(t); k++) {
      t = new Triple(t.shape(), t.color(), Pattern.values()[(p + k) % Pattern.values().length]);
    }
    return t;
  }

  /** {@code n} values of {@code 0..k-1}: consecutive shuffled permutations, the last one cut. */
  static int[] rounds(SplittableRandom rng, int k, int n) {
    int[] out = new int[n];
    int[] perm = new int[k];
    for (int start = 0; start < n; start += k) {
      for (int i = 0; i < k; i++) {
        perm[i] = i;
      }
      for (int i = k - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
      }
      System.arraycopy(perm, 0, out, start, Math.min(k, n - start));
    }
    return out;
  }
}
