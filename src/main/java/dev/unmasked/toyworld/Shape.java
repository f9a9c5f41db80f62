package dev.unmasked.toyworld;

import java.util.Locale;

/**
 * The ten object shapes of the toy world. Each shape is defined in a unit frame: x to the right, y
 * down, the whole shape inside the unit disk; {@link #contains(double, double)} is the exact
 * membership test that both painting and masks use, so a mask never disagrees with the paint.
 */
public enum Shape {
  CIRCLE,
  SQUARE,
  TRIANGLE,
  STAR,
  HEART,
  DIAMOND,
  CROSS,
  RING,
  CRESCENT,
  HEXAGON;

  private static final double[][] TRIANGLE_POLY = regularPolygon(3, 1.0, -90);
  private static final double[][] HEXAGON_POLY = regularPolygon(6, 0.95, 0);
  private static final double[][] STAR_POLY = star(5, 1.0, 0.45);

  /** The word used in captions and JSON. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a JSON/caption word; null when unknown. */
  public static Shape parse(String word) {
    for (Shape s : values()) {
      if (s.word().equals(word)) {
        return s;
      }
    }
    return null;
  }

  /** Whether the unit-frame point (x right, y down) lies inside the shape. */
  public boolean contains(double x, double y) {
    double r2 = x * x + y * y;
    switch (this) {
      case CIRCLE:
        return r2 <= 0.9 * 0.9;
      case SQUARE:
        return Math.abs(x) <= 0.7 && Math.abs(y) <= 0.7;
      case TRIANGLE:
        return inPolygon(TRIANGLE_POLY, x, y);
      case STAR:
        return inPolygon(STAR_POLY, x, y);
      case HEART:
        {
          // Classic implicit heart (X^2+Y^2-1)^3 - X^2 Y^3 <= 0, flipped so the tip points down and
          // scaled to fit the unit disk.
          double hx = x * 1.3;
          double hy = -y * 1.3 + 0.22;
          double a = hx * hx + hy * hy - 1;
          return a * a * a - hx * hx * hy * hy * hy <= 0;
        }
      case DIAMOND:
        return Math.abs(x) / 0.62 + Math.abs(y) / 0.98 <= 1;
      case CROSS:
        return (Math.abs(x) <= 0.3 && Math.abs(y) <= 0.9) || (Math.abs(y) <= 0.3 && Math.abs(x) <= 0.9);
      case RING:
        return r2 <= 0.95 * 0.95 && r2 >= 0.5 * 0.5;
      case CRESCENT:
        {
          double dx = x - 0.45;
          return r2 <= 0.95 * 0.95 && dx * dx + y * y > 0.78 * 0.78;
        }
      case HEXAGON:
        return inPolygon(HEXAGON_POLY, x, y);
      default:
        throw new AssertionError(this);
    }
  }

  private static double[][] regularPolygon(int n, double radius, double startDeg) {
    double[][] p = new double[n][2];
    for (int i = 0; i < n; i++) {
      double a = StrictMath.toRadians(startDeg + 360.0 * i / n);
      p[i][0] = radius * StrictMath.cos(a);
      p[i][1] = radius * StrictMath.sin(a);
    }
    return p;
  }

  private static double[][] star(int points, double outer, double inner) {
    double[][] p = new double[2 * points][2];
    for (int i = 0; i < 2 * points; i++) {
      double a = StrictMath.toRadians(-90 + 180.0 * i / points);
      double r = i % 2 == 0 ? outer : inner;
      p[i][0] = r * StrictMath.cos(a);
      p[i][1] = r * StrictMath.sin(a);
    }
    return p;
  }

  /** Even-odd crossing test; exact for the simple polygons used here. */
  private static boolean inPolygon(double[][] poly, double x, double y) {
    boolean inside = false;
    for (int i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      double xi = poly[i][0];
      double yi = poly[i][1];
      double xj = poly[j][0];
      double yj = poly[j][1];
      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }
}
