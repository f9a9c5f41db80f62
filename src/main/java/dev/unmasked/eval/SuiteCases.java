package dev.unmasked.eval;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.SceneSpec;
import dev.unmasked.toyworld.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The default suite of {@code eval concepts}, as definitions: every scene from a fixed seed (9*10^9
 * onwards, apart from pretraining's seeds below 10^9, its held-out set at 7*10^9 and {@code eval
 * base}'s at 8*10^9), so the suite is the same on every machine. Ten kinds, 34 cases: one, two and
 * three objects; occluding objects (placed to overlap); concepts spread across two images (one of
 * them the paper's Figure 2: an object from each image and the second image's background); held-out
 * triples; two objects of the same shape whose tokens start from the same word; small objects;
 * low-contrast objects (white on snow, brown on wood, black at night); a background as a concept.
 */
public final class SuiteCases {
  static final long FIRST_SEED = 9_000_000_000L;

  private SuiteCases() {}

  /** One scene: its seed, how it is sampled and what it fixes. */
  public record ImageDef(long seed, SceneOptions options, SceneSpec spec) {}

  /**
   * A concept: where it is ({@code {image, object}} pairs, object -1 = the background), and its
   * initializer when not the descriptor words (color + shape) of its first occurrence.
   */
  public record ConceptDef(List<int[]> where, String init) {
    static ConceptDef object(int image, int object) {
      return new ConceptDef(List.<int[]>of(new int[] {image, object}), null);
    }

    static ConceptDef background(int image) {
      return new ConceptDef(List.<int[]>of(new int[] {image, -1}), null);
    }
  }

  /** A case: concepts null means one per object of the first image, in painter's order. */
  public record CaseDef(String name, String kind, List<ImageDef> images, List<ConceptDef> concepts) {}

  /** The kinds in suite order. */
  public static final List<String> KINDS = List.of("one-object", "two-objects", "three-objects",
      "occlusion", "spread", "held-out", "same-shape", "small", "low-contrast", "background");

  public static List<CaseDef> defaults() {
    List<CaseDef> out = new ArrayList<>();
    SceneOptions base = SceneOptions.training();
    for (int i = 1; i <= 3; i++) {
      out.add(simple("one-" + two(i), "one-object", seed(0, i), base.withObjects(1, 1)));
    }
    for (int i = 1; i <= 6; i++) {
      out.add(simple("two-" + two(i), "two-objects", seed(1, i), base.withObjects(2, 2)));
    }
    for (int i = 1; i <= 4; i++) {
      out.add(simple("three-" + two(i), "three-objects", seed(2, i), base.withObjects(3, 3)));
    }
    // Occlusion: the second object is placed over the first (painter's order), a quarter to a
    // third of the first hidden; shapes, colors and patterns come from the seed.
    double[][][] overlap = {
      {{27, 30, 34, 15}, {36, 35, 26, 40}},
      {{34, 26, 32, 70}, {32, 36, 28, 5}},
      {{24, 36, 30, 0}, {38, 32, 30, 25}},
    };
    for (int i = 1; i <= 3; i++) {
      double[][] p = overlap[i - 1];
      SceneSpec spec = new SceneSpec(null, null, List.of(placed(p[0]), placed(p[1])), null);
      out.add(new CaseDef("occlusion-" + two(i), "occlusion",
          List.of(new ImageDef(seed(3, i), base.withObjects(2, 2), spec)), null));
    }
    // Spread: 01 is Figure 2 (an object in each image, the second image's background); 02 two
    // objects in one image and one in the other; 03 one object in both images (another pose and
    // background), one more in each.
    out.add(new CaseDef("spread-01", "spread", List.of(
        new ImageDef(seed(4, 1), base.withObjects(1, 1), new SceneSpec(Background.SAND, null, null, null)),
        new ImageDef(seed(4, 1) + 1, base.withObjects(1, 1), new SceneSpec(Background.GRASS, null, null, null))),
        List.of(ConceptDef.object(0, 0), ConceptDef.object(1, 0), ConceptDef.background(1))));
    out.add(new CaseDef("spread-02", "spread", List.of(
        new ImageDef(seed(4, 2), base.withObjects(2, 2), SceneSpec.ANY),
        new ImageDef(seed(4, 2) + 1, base.withObjects(1, 1), SceneSpec.ANY)),
        List.of(ConceptDef.object(0, 0), ConceptDef.object(0, 1), ConceptDef.object(1, 0))));
    SceneSpec sharedFirst = new SceneSpec(Background.WOOD, null, List.of(
        new SceneSpec.ObjectSpec(Shape.HEART, ObjectColor.PURPLE, dev.unmasked.toyworld.Pattern.PLAIN,
            null, null, null, null, null, null, null),
        new SceneSpec.ObjectSpec(null, null, null, null, null, null, null, null, null, null)), null);
    SceneSpec sharedSecond = new SceneSpec(Background.SKY, null, List.of(
        new SceneSpec.ObjectSpec(null, null, null, null, null, null, null, null, null, null),
        new SceneSpec.ObjectSpec(Shape.HEART, ObjectColor.PURPLE, dev.unmasked.toyworld.Pattern.PLAIN,
            null, null, null, null, null, null, null)), null);
    out.add(new CaseDef("spread-03", "spread", List.of(
        new ImageDef(seed(4, 3), base.withObjects(2, 2), sharedFirst),
        new ImageDef(seed(4, 3) + 1, base.withObjects(2, 2), sharedSecond)),
        List.of(new ConceptDef(List.of(new int[] {0, 0}, new int[] {1, 1}), null),
            ConceptDef.object(0, 1), ConceptDef.object(1, 0))));
    SceneOptions heldOut = base.withHeldOut(SceneOptions.HeldOutPolicy.REQUIRE);
    out.add(simple("held-out-01", "held-out", seed(5, 1), heldOut.withObjects(1, 1)));
    out.add(simple("held-out-02", "held-out", seed(5, 2), heldOut.withObjects(2, 2)));
    out.add(simple("held-out-03", "held-out", seed(5, 3), heldOut.withObjects(2, 2)));
    Shape[] same = {Shape.STAR, Shape.CIRCLE, Shape.SQUARE};
    for (int i = 1; i <= 3; i++) {
      Shape s = same[i - 1];
      SceneSpec spec = new SceneSpec(null, null, List.of(shape(s), shape(s)), null);
      out.add(new CaseDef("same-shape-" + two(i), "same-shape",
          List.of(new ImageDef(seed(6, i), base.withObjects(2, 2), spec)),
          List.of(new ConceptDef(List.<int[]>of(new int[] {0, 0}), s.word()),
              new ConceptDef(List.<int[]>of(new int[] {0, 1}), s.word()))));
    }
    SceneOptions small = new SceneOptions(2, 2, SceneOptions.HeldOutPolicy.EXCLUDE, 10, 16, 0.6);
    for (int i = 1; i <= 3; i++) {
      out.add(simple("small-" + two(i), "small", seed(7, i), small));
    }
    Object[][] low = {{ObjectColor.WHITE, Background.SNOW}, {ObjectColor.BROWN, Background.WOOD},
        {ObjectColor.BLACK, Background.NIGHT}};
    for (int i = 1; i <= 3; i++) {
      ObjectColor c = (ObjectColor) low[i - 1][0];
      SceneSpec spec = new SceneSpec((Background) low[i - 1][1], null, List.of(color(c),
          new SceneSpec.ObjectSpec(null, null, null, null, null, null, null, null, null, null)), null);
      out.add(new CaseDef("low-contrast-" + two(i), "low-contrast",
          List.of(new ImageDef(seed(8, i), base.withObjects(2, 2), spec)), null));
    }
    for (int i = 1; i <= 3; i++) {
      int objects = i == 1 ? 1 : 2;
      List<ConceptDef> cs = new ArrayList<>();
      for (int j = 0; j < objects; j++) {
        cs.add(ConceptDef.object(0, j));
      }
      cs.add(ConceptDef.background(0));
      out.add(new CaseDef("background-" + two(i), "background",
          List.of(new ImageDef(seed(9, i), base.withObjects(objects, objects), SceneSpec.ANY)), cs));
    }
    return out;
  }

  /** The {@code --quick} case: one two-object scene. */
  public static CaseDef quick() {
    return simple("quick-two", "two-objects", seed(10, 1), SceneOptions.training().withObjects(2, 2));
  }

  private static CaseDef simple(String name, String kind, long seed, SceneOptions o) {
    return new CaseDef(name, kind, List.of(new ImageDef(seed, o, SceneSpec.ANY)), null);
  }

  private static long seed(int kind, int i) {
    return FIRST_SEED + kind * 1000L + i * 10L;
  }

  private static String two(int i) {
    return String.format("%02d", i);
  }

  private static SceneSpec.ObjectSpec placed(double[] p) {
    return new SceneSpec.ObjectSpec(null, null, null, p[0], p[1], p[2], p[3], null, null, null);
  }

  private static SceneSpec.ObjectSpec shape(Shape s) {
    return new SceneSpec.ObjectSpec(s, null, null, null, null, null, null, null, null, null);
  }

  private static SceneSpec.ObjectSpec color(ObjectColor c) {
    return new SceneSpec.ObjectSpec(null, c, null, null, null, null, null, null, null, null);
  }

  /** The default cases named (by case name or kind) in {@code names}. */
  public static List<CaseDef> named(List<String> names) {
    return select(defaults(), names);
  }

  /** {@code n} default cases, round-robin over the kinds. */
  public static List<CaseDef> subset(int n) {
    return firstN(defaults(), n);
  }

  /** Definitions whose name or kind is one of {@code names}; unknown names are listed in the error. */
  static List<CaseDef> select(List<CaseDef> all, List<String> names) {
    List<CaseDef> out = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String n : names) {
      List<CaseDef> hit = all.stream().filter(c -> c.name().equals(n) || c.kind().equals(n)).toList();
      if (hit.isEmpty()) {
        unknown.add(n);
      }
      hit.stream().filter(c -> !out.contains(c)).forEach(out::add);
    }
    if (!unknown.isEmpty()) {
      throw new dev.unmasked.UserError("--scenes: no case or kind named " + String.join(", ", unknown)
          + " (kinds: " + String.join(", ", KINDS) + "; cases such as two-01, spread-03)");
    }
    return out;
  }

  /** {@code n} definitions taken round-robin over the kinds, so a small subset covers them all. */
  static List<CaseDef> firstN(List<CaseDef> all, int n) {
    List<List<CaseDef>> byKind = new ArrayList<>();
    for (String k : KINDS) {
      byKind.add(new ArrayList<>(all.stream().filter(c -> c.kind().equals(k)).toList()));
    }
    List<CaseDef> out = new ArrayList<>();
    for (int round = 0; out.size() < Math.min(n, all.size()); round++) {
      for (List<CaseDef> ks : byKind) {
        if (round < ks.size() && out.size() < n) {
          out.add(ks.get(round));
        }
      }
    }
    return out;
  }

  static String describe(CaseDef c) {
    return c.name() + " (" + c.kind() + ", seeds " + Arrays.toString(
        c.images().stream().mapToLong(ImageDef::seed).toArray()) + ")";
  }
}
