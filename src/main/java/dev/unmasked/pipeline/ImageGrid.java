package dev.unmasked.pipeline;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Images in a grid, each enlarged by nearest neighbour, with its caption wrapped under it. */
public final class ImageGrid {
  private ImageGrid() {}

  public static BufferedImage of(List<BufferedImage> images, List<String> captions, int columns,
      int scale) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no images for the grid");
    }
    int w = images.get(0).getWidth() * scale;
    int h = images.get(0).getHeight() * scale;
    int lines = captions == null ? 0 : 3;
    int textH = lines * 12 + (lines > 0 ? 4 : 0);
    int rows = (images.size() + columns - 1) / columns;
    int pad = 4;
    BufferedImage grid = new BufferedImage(columns * (w + pad) + pad, rows * (h + textH + pad) + pad,
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grid.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i < images.size(); i++) {
      int x = pad + (i % columns) * (w + pad);
      int y = pad + (i / columns) * (h + textH + pad);
      g.drawImage(images.get(i), x, y, w, h, null);
      if (captions != null) {
        g.setColor(Color.BLACK);
        int ly = y + h + 11;
        for (String line : wrap(captions.get(i), fm, w, lines)) {
          g.drawString(line, x, ly);
          ly += 12;
        }
      }
    }
    g.dispose();
    return grid;
  }

  private static List<String> wrap(String text, FontMetrics fm, int width, int maxLines) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      String next = line.length() == 0 ? word : line + " " + word;
      if (fm.stringWidth(next) > width && line.length() > 0) {
        out.add(line.toString());
        line = new StringBuilder(word);
      } else {
        line = new StringBuilder(next);
      }
    }
    out.add(line.toString());
    return out.size() > maxLines ? out.subList(0, maxLines) : out;
  }
}
