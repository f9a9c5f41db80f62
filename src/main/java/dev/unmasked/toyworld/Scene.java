package dev.unmasked.toyworld;

import java.util.List;

/**
 * A toy-world scene: everything needed to render it bit-exactly, and its ground truth. Objects are
 * in painter's order (later ones occlude earlier ones); object {@code i} has mask label {@code i+1}
 * and label 0 is the background. Round-trips through JSON with {@link SceneJson}.
 *
 * @param seed the seed the scene was sampled from (documentation; rendering needs only the rest)
 * @param background background class
 * @param backgroundSeed seed of the background texture's random variation
 * @param objects 1..3 objects in painter's order
 * @param caption e.g. {@code a striped red star and a blue circle on the sand}
 */
public record Scene(long seed, Background background, long backgroundSeed, List<SceneObject> objects, String caption) {

  /** Side of the canvas in canvas pixels; all coordinates are in this unit. */
  public static final int CANVAS = 64;

  public Scene {
    if (background == null) {
      throw new IllegalArgumentException("background is required");
    }
    objects = List.copyOf(objects);
    if (objects.isEmpty() || objects.size() > 3) {
      throw new IllegalArgumentException("a scene has 1 to 3 objects, not " + objects.size());
    }
  }

  /** Whether any object is a held-out triple. */
  public boolean hasHeldOut() {
    return objects.stream().anyMatch(o -> HeldOut.isHeldOut(o.triple()));
  }
}
