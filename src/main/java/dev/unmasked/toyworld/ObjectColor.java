package dev.unmasked.toyworld;

import java.util.Locale;

/**
 * The ten object colors, each with a base sRGB value; a scene jitters it slightly per object. The
 * pattern is painted in a second tone of the same hue that contrasts in lightness ({@link
 * #patternTone(int)}), so a striped red star is still red.
 */
public enum ObjectColor {
  RED(0xD2201E),
  ORANGE(0xF58C14),
  YELLOW(0xF5DC1E),
  GREEN(0x1EB432),
  BLUE(0x2850DC),
  PURPLE(0x8C32BE),
  PINK(0xF582BE),
  WHITE(0xF5F5F5),
  BLACK(0x161616),
  BROWN(0x824B23);

  private final int rgb;

  ObjectColor(int rgb) {
    this.rgb = rgb;
  }

  /** Base color as 0xRRGGBB. */
  public int rgb() {
    return rgb;
  }

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ObjectColor parse(String word) {
    for (ObjectColor c : values()) {
      if (c.word().equals(word)) {
        return c;
      }
    }
    return null;
  }

  /**
   * The contrasting tone used for a pattern on a fill of {@code fillRgb}: light fills get a darker
   * tone (x0.55), dark fills a lighter one (halfway to white).
   */
  public static int patternTone(int fillRgb) {
    int r = (fillRgb >> 16) & 255;
    int g = (fillRgb >> 8) & 255;
    int b = fillRgb & 255;
    double luma = 0.299 * r + 0.587 * g + 0.114 * b;
    if (luma > 110) {
      return rgb((int) (r * 0.55), (int) (g * 0.55), (int) (b * 0.55));
    }
    return rgb(r + (255 - r) / 2, g + (255 - g) / 2, b + (255 - b) / 2);
  }

  static int rgb(int r, int g, int b) {
    return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
  }

  static int clamp(int v) {
    return v < 0 ? 0 : Math.min(v, 255);
  }
}
