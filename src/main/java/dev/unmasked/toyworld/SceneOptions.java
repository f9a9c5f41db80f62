package dev.unmasked.toyworld;

/**
 * How scenes are sampled.
 *
 * @param minObjects fewest objects per scene (1..3)
 * @param maxObjects most objects per scene (minObjects..3)
 * @param heldOut what to do with the held-out triples of {@link HeldOut}
 * @param minSize smallest object diameter, canvas pixels
 * @param maxSize largest object diameter for single-object scenes; multi-object scenes shrink it
 *     (x0.85 for two, x0.75 for three) so that the objects fit with limited overlap
 * @param minVisible smallest fraction of an object's own area that may remain visible under occlusion
 */
public record SceneOptions(
    int minObjects, int maxObjects, HeldOutPolicy heldOut, double minSize, double maxSize, double minVisible) {

  /** Held-out triples: never (pretraining), like any other (judge training), or at least one per scene. */
  public enum HeldOutPolicy {
    EXCLUDE,
    INCLUDE,
    REQUIRE
  }

  public SceneOptions {
    if (minObjects < 1 || maxObjects > 3 || minObjects > maxObjects) {
      throw new IllegalArgumentException(
          "objects per scene must be a range within 1-3, got " + minObjects + "-" + maxObjects);
    }
    if (!(minSize >= 8 && maxSize >= minSize && maxSize <= Scene.CANVAS - 4)) {
      throw new IllegalArgumentException("sizes must satisfy 8 <= min <= max <= 60, got " + minSize + ", " + maxSize);
    }
    if (!(minVisible > 0 && minVisible <= 1)) {
      throw new IllegalArgumentException("minVisible must be in (0, 1], got " + minVisible);
    }
  }

  /** The pretraining stream's defaults: 1-3 objects, 20-40 px, held-out triples excluded. */
  public static SceneOptions training() {
    return new SceneOptions(1, 3, HeldOutPolicy.EXCLUDE, 20, 40, 0.6);
  }

  public SceneOptions withObjects(int min, int max) {
    return new SceneOptions(min, max, heldOut, minSize, maxSize, minVisible);
  }

  public SceneOptions withHeldOut(HeldOutPolicy policy) {
    return new SceneOptions(minObjects, maxObjects, policy, minSize, maxSize, minVisible);
  }
}
