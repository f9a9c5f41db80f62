package dev.unmasked.toyworld;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The eight procedural backgrounds. {@link #texture(long)} turns a background seed into a texture
 * that maps a canvas point (0..64 on each axis, any resolution) to an sRGB color; the random
 * variation (tint, noise, line phase, star and cloud placement) comes from the seed only. Feature
 * sizes stay at or above about 4 canvas pixels (bricks, waves, grain) so a small autoencoder can
 * reconstruct them.
 */
public enum Background {
  GRASS("on the grass"),
  SAND("on the sand"),
  SKY("in the sky"),
  WATER("on the water"),
  BRICK("in front of a brick wall"),
  WOOD("on the wood"),
  SNOW("on the snow"),
  NIGHT("at night");

  private final String phrase;

  Background(String phrase) {
    this.phrase = phrase;
  }

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The caption's closing phrase, e.g. {@code on the sand}; it always contains {@link #word()}. */
  public String phrase() {
    return phrase;
  }

  public static Background parse(String word) {
    for (Background b : values()) {
      if (b.word().equals(word)) {
        return b;
      }
    }
    return null;
  }

  /** A texture function, canvas point to 0xRRGGBB. */
  public interface Texture {
    int rgb(double x, double y);
  }

  /** The texture of this background for {@code seed}. */
  public Texture texture(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Noise n = new Noise(r.nextLong());
    double j1 = r.nextDouble(-1, 1);
    double j2 = r.nextDouble(-1, 1);
    double phase = r.nextDouble(0, 64);
    switch (this) {
      case GRASS:
        {
          int base = tint(0x5A8232, j1, 14);
          return (x, y) -> {
            // Vertical blades: noise stretched along y.
            double blade = n.value(x * 4, y * 0.6, 6);
            double shade = n.fractal(x, y, 12);
            return shade(base, 0.75 + 0.35 * shade - (blade > 0.62 ? 0.22 : 0));
          };
        }
      case SAND:
        {
          int base = tint(0xDCC38C, j1, 10);
          double tilt = 0.25 * j2;
          return (x, y) -> {
            double dune = StrictMath.sin((y + tilt * x + 6 * n.value(x, y, 16)) * 0.55 + phase);
            return shade(base, 0.93 + 0.08 * n.fractal(x, y, 6) + (dune > 0.75 ? -0.1 : 0));
          };
        }
      case SKY:
        {
          int top = tint(0x508CDC, j1, 12);
          int bottom = tint(0xAAD2F5, j2, 10);
          double cover = 0.58 + 0.08 * j1;
          return (x, y) -> {
            int c = lerp(top, bottom, y / 64.0);
            double cloud = n.fractal(x * 0.8, y * 1.6, 14);
            return cloud > cover ? lerp(c, 0xF4F6FA, Math.min(1, (cloud - cover) * 8)) : c;
          };
        }
      case WATER:
        {
          int base = tint(0x1E5AA0, j1, 12);
          int crest = tint(0x6FA8DC, j2, 10);
          return (x, y) -> {
            double wave = StrictMath.sin(y * 0.6 + 3 * StrictMath.sin(x * 0.18 + phase) + phase);
            int c = shade(base, 0.9 + 0.2 * n.value(x, y, 10));
            return wave > 0.7 ? crest : c;
          };
        }
      case BRICK:
        {
          int brick = tint(0xA54632, j1, 14);
          int mortar = tint(0xC8C3B9, j2, 8);
          double ox = phase;
          double oy = 4 * (1 + j2);
          return (x, y) -> {
            double by = y + oy;
            long row = (long) Math.floor(by / 8);
            double bx = x + ox + (row % 2 == 0 ? 0 : 8);
            long col = (long) Math.floor(bx / 16);
            if (by - 8 * row < 1.5 || bx - 16 * col < 1.5) {
              return mortar;
            }
            return shade(brick, 0.85 + 0.25 * n.lattice(col, row) + 0.06 * n.value(x, y, 4));
          };
        }
      case WOOD:
        {
          int base = tint(0x96643A, j1, 12);
          double angle = 0.3 * j2;
          return (x, y) -> {
            double u = x * StrictMath.cos(angle) + y * StrictMath.sin(angle);
            double grain = StrictMath.sin(u * 0.7 + 5 * n.value(x * 0.3, y, 16) + phase);
            return shade(base, 0.85 + 0.15 * grain + 0.05 * n.value(x, y, 5));
          };
        }
      case SNOW:
        {
          int base = tint(0xEBF0F8, j1, 5);
          int shadow = tint(0xB4C3DC, j2, 8);
          return (x, y) -> {
            double drift = n.fractal(x, y * 1.5, 20);
            int c = lerp(base, shadow, Math.max(0, drift - 0.45) * 1.6);
            double fleck = n.lattice((long) Math.floor(x / 3), (long) Math.floor(y / 3));
            return fleck > 0.97 ? 0xFFFFFF : c;
          };
        }
      case NIGHT:
        {
          int top = tint(0x0A0F2D, j1, 6);
          int bottom = tint(0x232A5A, j2, 8);
          return (x, y) -> {
            int c = lerp(top, bottom, y / 64.0);
            // Stars: at most one 2x2 star per 4x4 cell, at a hashed position inside the cell.
            long cx = (long) Math.floor(x / 4);
            long cy = (long) Math.floor(y / 4);
            if (n.lattice(cx, cy) > 0.9) {
              double sx = cx * 4 + 1 + Math.floor(n.lattice(cy, cx) * 2);
              double sy = cy * 4 + 1 + Math.floor(n.lattice(cx + 7, cy) * 2);
              if (x >= sx && x < sx + 2 && y >= sy && y < sy + 2) {
                return 0xFFF8D2;
              }
            }
            return c;
          };
        }
      default:
        throw new AssertionError(this);
    }
  }

  private static int tint(int rgb, double j, int amount) {
    int d = (int) Math.round(j * amount);
    return ObjectColor.rgb(((rgb >> 16) & 255) + d, ((rgb >> 8) & 255) + d, (rgb & 255) + d);
  }

  private static int shade(int rgb, double f) {
    return ObjectColor.rgb(
        (int) (((rgb >> 16) & 255) * f), (int) (((rgb >> 8) & 255) * f), (int) ((rgb & 255) * f));
  }

  private static int lerp(int a, int b, double t) {
    t = Math.max(0, Math.min(1, t));
    int r = (int) Math.round(((a >> 16) & 255) * (1 - t) + ((b >> 16) & 255) * t);
    int g = (int) Math.round(((a >> 8) & 255) * (1 - t) + ((b >> 8) & 255) * t);
    int bl = (int) Math.round((a & 255) * (1 - t) + (b & 255) * t);
    return ObjectColor.rgb(r, g, bl);
  }
}
