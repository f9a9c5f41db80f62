package dev.unmasked.toyworld;

/** A (shape, color, pattern) combination: the identity of an object kind in the toy world. */
public record Triple(Shape shape, ObjectColor color, Pattern pattern) {

  /** Index in 0..399, shape-major: {@code (shape * 10 + color) * 4 + pattern}. */
  public int index() {
    return (shape.ordinal() * ObjectColor.values().length + color.ordinal()) * Pattern.values().length
        + pattern.ordinal();
  }

  /** Caption phrase without article, e.g. {@code striped red star}; plain is not spoken. */
  public String phrase() {
    String c = color.word() + " " + shape.word();
    return pattern == Pattern.PLAIN ? c : pattern.word() + " " + c;
  }

  @Override
  public String toString() {
    return shape.word() + "/" + color.word() + "/" + pattern.word();
  }
}
