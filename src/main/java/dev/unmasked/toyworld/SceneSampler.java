package dev.unmasked.toyworld;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Samples scenes from a seed: {@code sample(seed, options)} is a pure function, the same on every
 * machine and thread ({@link SplittableRandom} seeded with the scene seed; values rounded to 0.01 px
 * and 0.1 degree so the JSON is short and exact). Placement is rejection-sampled until every object
 * keeps at least {@code minVisible} of its own area visible; after each 100 failed tries the sizes
 * shrink by 5%.
 */
public final class SceneSampler {

  private static final int MAX_TRIES = 2000;
  private static final int JITTER = 12;

  private SceneSampler() {}

  public static Scene sample(long seed, SceneOptions options) {
    return sample(seed, options, SceneSpec.ANY);
  }

  /** Samples a scene that keeps everything {@code spec} fixes. */
  public static Scene sample(long seed, SceneOptions options, SceneSpec spec) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n =
        spec.objects() != null
            ? spec.objects().size()
            : options.minObjects() + rng.nextInt(options.maxObjects() - options.minObjects() + 1);
    if (n < 1 || n > 3) {
      throw new IllegalArgumentException("a scene has 1 to 3 objects, the spec has " + n);
    }
    Background bg = Background.values()[rng.nextInt(Background.values().length)];
    long bgSeed = rng.nextLong();
    if (spec.background() != null) {
      bg = spec.background();
    }
    if (spec.backgroundSeed() != null) {
      bgSeed = spec.backgroundSeed();
    }

    List<SceneObject> objects = new ArrayList<>();
    List<SceneSpec.ObjectSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SceneSpec.ObjectSpec os = spec.objects() == null ? null : spec.objects().get(i);
      boolean requireHeldOut = i == 0 && options.heldOut() == SceneOptions.HeldOutPolicy.REQUIRE;
      Triple t = sampleTriple(rng, options, os, requireHeldOut, objects);
      int rgb = os != null && os.rgb() != null ? os.rgb() : jitter(rng, t.color().rgb());
      int prgb = os != null && os.patternRgb() != null ? os.patternRgb() : ObjectColor.patternTone(rgb);
      double cell = round2(rng.nextDouble(4, 5));
      if (os != null && os.patternCell() != null) {
        cell = os.patternCell();
      }
      // Placement is filled in below; a provisional one keeps the record valid.
      objects.add(new SceneObject(t.shape(), t.color(), t.pattern(), 32, 32, 20, 0, rgb, prgb, cell));
      specs.add(os);
    }
    objects = place(rng, options, objects, specs);

    String caption = spec.caption();
    List<Triple> spoken = new ArrayList<>();
    for (SceneObject o : objects) {
      spoken.add(o.triple());
    }
    for (int i = spoken.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      spoken.set(i, spoken.set(j, spoken.get(i)));
    }
    if (caption == null) {
      caption = Caption.of(spoken, bg);
    }
    return new Scene(seed, bg, bgSeed, objects, caption);
  }

  private static Triple sampleTriple(
      SplittableRandom rng,
      SceneOptions options,
      SceneSpec.ObjectSpec os,
      boolean requireHeldOut,
      List<SceneObject> earlier) {
    for (int tries = 0; ; tries++) {
      Shape s = Shape.values()[rng.nextInt(Shape.values().length)];
      ObjectColor c = ObjectColor.values()[rng.nextInt(ObjectColor.values().length)];
      Pattern p = Pattern.values()[rng.nextInt(Pattern.values().length)];
      if (os != null) {
        s = os.shape() != null ? os.shape() : s;
        c = os.color() != null ? os.color() : c;
        p = os.pattern() != null ? os.pattern() : p;
      }
      boolean fullyGiven = os != null && os.shape() != null && os.color() != null && os.pattern() != null;
      if (fullyGiven || tries > 10_000) {
        return new Triple(s, c, p);
      }
      boolean held = HeldOut.isHeldOut(s, c, p);
      if (requireHeldOut != held && (requireHeldOut || options.heldOut() == SceneOptions.HeldOutPolicy.EXCLUDE)) {
        continue;
      }
      final Shape fs = s;
      final ObjectColor fc = c;
      // Two objects of the same shape and color would make the caption ambiguous.
      if (earlier.stream().anyMatch(o -> o.shape() == fs && o.color() == fc)) {
        continue;
      }
      return new Triple(s, c, p);
    }
  }

  private static List<SceneObject> place(
      SplittableRandom rng, SceneOptions options, List<SceneObject> objects, List<SceneSpec.ObjectSpec> specs) {
    int n = objects.size();
    double maxSize = options.maxSize() * (n == 1 ? 1.0 : n == 2 ? 0.85 : 0.75);
    maxSize = Math.max(maxSize, options.minSize());
    boolean allFixed = specs.stream().allMatch(s -> s != null && s.placed());
    List<SceneObject> placed = new ArrayList<>(objects);
    for (int tries = 0; tries < MAX_TRIES; tries++) {
      double shrink = Math.pow(0.95, tries / 100);
      for (int i = 0; i < n; i++) {
        SceneSpec.ObjectSpec os = specs.get(i);
        SceneObject o = objects.get(i);
        if (os != null && os.placed()) {
          placed.set(i, o.placed(os.x(), os.y(), os.size(), os.rotation()));
          continue;
        }
        double size = round2(rng.nextDouble(options.minSize(), maxSize + 1e-9) * shrink);
        double r = size / 2;
        double x = round2(rng.nextDouble(r + 1, Scene.CANVAS - r - 1 + 1e-9));
        double y = round2(rng.nextDouble(r + 1, Scene.CANVAS - r - 1 + 1e-9));
        double rot = Math.round(rng.nextDouble(0, 360) * 10) / 10.0;
        placed.set(i, o.placed(x, y, size, rot == 360 ? 0 : rot));
      }
      if (allFixed || visibleEnough(placed, options.minVisible())) {
        return placed;
      }
    }
    throw new IllegalArgumentException(
        "could not place " + n + " objects with at least " + options.minVisible()
            + " of each visible in " + MAX_TRIES + " tries: use fewer or smaller objects");
  }

  private static boolean visibleEnough(List<SceneObject> objects, double minVisible) {
    if (objects.size() == 1) {
      return Renderer.fullArea(objects.get(0)) > 0;
    }
    Scene probe = new Scene(0, Background.SAND, 0, objects, "");
    int[] labels = Renderer.labels(probe);
    int[] visible = new int[objects.size() + 1];
    for (int l : labels) {
      visible[l]++;
    }
    for (int i = 0; i < objects.size(); i++) {
      int full = Renderer.fullArea(objects.get(i));
      if (full == 0 || visible[i + 1] < minVisible * full) {
        return false;
      }
    }
    return true;
  }

  private static int jitter(SplittableRandom rng, int rgb) {
    int r = ((rgb >> 16) & 255) + rng.nextInt(-JITTER, JITTER + 1);
    int g = ((rgb >> 8) & 255) + rng.nextInt(-JITTER, JITTER + 1);
    int b = (rgb & 255) + rng.nextInt(-JITTER, JITTER + 1);
    return ObjectColor.rgb(r, g, b);
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
