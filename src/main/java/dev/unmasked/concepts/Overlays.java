package dev.unmasked.concepts;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;

/** The image enlarged with each concept's mask tinted in its own colour. */
final class Overlays {
  private Overlays() {}

  static BufferedImage overlay(InputImage im, List<Mask> masks, int scale) {
    int s = im.size();
    BufferedImage out = new BufferedImage(s * scale, s * scale, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < s * scale; y++) {
      for (int x = 0; x < s * scale; x++) {
        int p = (y / scale) * s + x / scale;
        int rgb = im.argb()[p];
        double r = (rgb >> 16) & 0xff;
        double g = (rgb >> 8) & 0xff;
        double b = rgb & 0xff;
        for (int k = 0; k < masks.size(); k++) {
          Mask m = masks.get(k);
          if (m.inside()[p]) {
            Color c = Color.decode(RunFolder.COLORS[k % RunFolder.COLORS.length]);
            r = 0.45 * r + 0.55 * c.getRed();
            g = 0.45 * g + 0.55 * c.getGreen();
            b = 0.45 * b + 0.55 * c.getBlue();
            boolean edge = isEdge(m, p % s, p / s, s);
            if (edge && (x % scale == 0 || y % scale == 0)) {
              r = c.getRed();
              g = c.getGreen();
              b = c.getBlue();
            }
          }
        }
        out.setRGB(x, y, ((int) r << 16) | ((int) g << 8) | (int) b);
      }
    }
    return out;
  }

  private static boolean isEdge(Mask m, int x, int y, int s) {
    int[][] d = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    for (int[] e : d) {
      int nx = x + e[0];
      int ny = y + e[1];
      if (nx < 0 || ny < 0 || nx >= s || ny >= s || !m.inside()[ny * s + nx]) {
        return true;
      }
    }
    return false;
  }
}
