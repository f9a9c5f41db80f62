package dev.unmasked.toyworld;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The fixed list of (shape, color, pattern) triples that the pretraining stream never produces: 40 of
 * the 400 (10%). Rule: the triple with indices (s, c, p) in declaration order is held out iff {@code
 * (s + 3c + 7p) mod 10 == 0}. So every shape, color and pattern occurs in held-out triples (4, 4 and
 * 10 times), and no (shape, color) pair is held out under more than one pattern: the base model has
 * seen every shape in every color, only not every combination with a pattern. The list is written out
 * in docs/TOYWORLD.md.
 */
public final class HeldOut {

  private static final List<Triple> TRIPLES = build();

  private HeldOut() {}

  /** Whether the triple is held out of pretraining. */
  public static boolean isHeldOut(Shape s, ObjectColor c, Pattern p) {
    return (s.ordinal() + 3 * c.ordinal() + 7 * p.ordinal()) % 10 == 0;
  }

  public static boolean isHeldOut(Triple t) {
    return isHeldOut(t.shape(), t.color(), t.pattern());
  }

  /** All 40 held-out triples in index order (immutable). */
  public static List<Triple> triples() {
    return TRIPLES;
  }

  private static List<Triple> build() {
    List<Triple> out = new ArrayList<>();
    for (Shape s : Shape.values()) {
      for (ObjectColor c : ObjectColor.values()) {
        for (Pattern p : Pattern.values()) {
          if (isHeldOut(s, c, p)) {
            out.add(new Triple(s, c, p));
          }
        }
      }
    }
    return Collections.unmodifiableList(out);
  }
}
