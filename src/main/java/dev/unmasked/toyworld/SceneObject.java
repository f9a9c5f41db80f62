package dev.unmasked.toyworld;

/**
 * One object of a scene: its attributes and its placement, in canvas pixels of the 64x64 canvas.
 *
 * @param x centre, canvas pixels from the left
 * @param y centre, canvas pixels from the top
 * @param size diameter of the circle that contains the shape, canvas pixels
 * @param rotation clockwise rotation in degrees
 * @param rgb fill color 0xRRGGBB (the named color with a small jitter)
 * @param patternRgb color of the stripes, dots or checks (unused when plain)
 * @param patternCell pattern cell size in canvas pixels (stripe width, check size, half dot spacing)
 */
public record SceneObject(
    Shape shape,
    ObjectColor color,
    Pattern pattern,
    double x,
    double y,
    double size,
    double rotation,
    int rgb,
    int patternRgb,
    double patternCell) {

  public SceneObject {
    if (shape == null || color == null || pattern == null) {
      throw new IllegalArgumentException("shape, color and pattern are required");
    }
    if (!(size > 0) || !(patternCell > 0)) {
      throw new IllegalArgumentException("size and patternCell must be positive: " + size + ", " + patternCell);
    }
  }

  public Triple triple() {
    return new Triple(shape, color, pattern);
  }

  /** The same object moved/resized/rotated. */
  public SceneObject placed(double nx, double ny, double nsize, double nrotation) {
    return new SceneObject(shape, color, pattern, nx, ny, nsize, nrotation, rgb, patternRgb, patternCell);
  }

  /**
   * Precomputed painter for this object: membership and color at canvas points. Painting and masks
   * both go through {@link Painter#covers}, which is why masks are exact.
   */
  Painter painter() {
    return new Painter(this);
  }

  static final class Painter {
    private final SceneObject o;
    private final double cos;
    private final double sin;
    private final double radius;

    Painter(SceneObject o) {
      this.o = o;
      double a = StrictMath.toRadians(o.rotation);
      this.cos = StrictMath.cos(a);
      this.sin = StrictMath.sin(a);
      this.radius = o.size / 2;
    }

    /** Whether canvas point (u, v) is inside the object. */
    boolean covers(double u, double v) {
      double dx = u - o.x;
      double dy = v - o.y;
      if (Math.abs(dx) > radius || Math.abs(dy) > radius) {
        return false;
      }
      double lx = dx * cos + dy * sin;
      double ly = -dx * sin + dy * cos;
      return o.shape.contains(lx / radius, ly / radius);
    }

    /** Paint color at canvas point (u, v), assuming {@link #covers}. */
    int rgb(double u, double v) {
      double dx = u - o.x;
      double dy = v - o.y;
      double lx = dx * cos + dy * sin;
      double ly = -dx * sin + dy * cos;
      return o.pattern.isAccent(lx, ly, o.patternCell) ? o.patternRgb : o.rgb;
    }
  }
}
