package dev.unmasked.toyworld;

import java.util.List;

/**
 * A partial scene: whatever is given is kept, whatever is null is sampled from the seed. A complete
 * spec (every field given) describes exactly one scene; that is how scene JSON round-trips.
 *
 * @param background null: random
 * @param backgroundSeed null: random
 * @param objects null: random count (from the options); otherwise one entry per object, painter's order
 * @param caption null: generated from the objects in a random spoken order
 */
public record SceneSpec(Background background, Long backgroundSeed, List<ObjectSpec> objects, String caption) {

  /** A spec that fixes nothing. */
  public static final SceneSpec ANY = new SceneSpec(null, null, null, null);

  /** One object; null fields are sampled. Placement (x, y, size, rotation) is all-or-nothing. */
  public record ObjectSpec(
      Shape shape,
      ObjectColor color,
      Pattern pattern,
      Double x,
      Double y,
      Double size,
      Double rotation,
      Integer rgb,
      Integer patternRgb,
      Double patternCell) {

    public static ObjectSpec of(Triple t) {
      return new ObjectSpec(t.shape(), t.color(), t.pattern(), null, null, null, null, null, null, null);
    }

    boolean placed() {
      return x != null && y != null && size != null && rotation != null;
    }
  }
}
