package dev.unmasked.toyworld;

import java.util.Locale;

/**
 * Surface patterns, painted in the object's own frame (they rotate with it) in a contrasting tone.
 * The cell size is a per-object parameter (canvas pixels, default 4-5) so every stripe, dot and
 * check stays at least about 4 px wide at 64x64.
 */
public enum Pattern {
  PLAIN,
  STRIPED,
  DOTTED,
  CHECKERED;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Pattern parse(String word) {
    for (Pattern p : values()) {
      if (p.word().equals(word)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Whether the point at object-frame offset (lx, ly) in canvas pixels is painted in the pattern
   * tone, for cell size {@code cell}.
   */
  public boolean isAccent(double lx, double ly, double cell) {
    switch (this) {
      case PLAIN:
        return false;
      case STRIPED:
        return Math.floorMod((long) Math.floor(ly / cell), 2L) == 1;
      case CHECKERED:
        return Math.floorMod((long) Math.floor(lx / cell) + (long) Math.floor(ly / cell), 2L) == 1;
      case DOTTED:
        {
          // Dots of diameter 1.1 cells on a grid of 2 cells, one dot centred on the object.
          double period = 2 * cell;
          double dx = lx - period * Math.floor(lx / period + 0.5);
          double dy = ly - period * Math.floor(ly / period + 0.5);
          double rad = 0.55 * cell;
          return dx * dx + dy * dy <= rad * rad;
        }
      default:
        throw new AssertionError(this);
    }
  }
}
