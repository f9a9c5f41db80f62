package dev.unmasked.concepts;

import java.awt.image.BufferedImage;

/** A binary mask of {@code width x height} pixels, row-major. */
public record Mask(int width, int height, boolean[] inside) {

  public Mask {
    if (inside.length != width * height) {
      throw new IllegalArgumentException("mask of " + width + "x" + height + " needs "
          + width * height + " values, got " + inside.length);
    }
  }

  public static Mask empty(int width, int height) {
    return new Mask(width, height, new boolean[width * height]);
  }

  public int area() {
    int a = 0;
    for (boolean b : inside) {
      a += b ? 1 : 0;
    }
    return a;
  }

  /** Intersection over union; two empty masks agree fully (1). */
  public double iou(Mask o) {
    requireSameSize(o);
    int inter = 0;
    int union = 0;
    for (int i = 0; i < inside.length; i++) {
      inter += inside[i] && o.inside[i] ? 1 : 0;
      union += inside[i] || o.inside[i] ? 1 : 0;
    }
    return union == 0 ? 1.0 : (double) inter / union;
  }

  public Mask union(Mask o) {
    requireSameSize(o);
    boolean[] u = new boolean[inside.length];
    for (int i = 0; i < u.length; i++) {
      u[i] = inside[i] || o.inside[i];
    }
    return new Mask(width, height, u);
  }

  /** Nearest-neighbour resize (as F.interpolate mode="nearest": source = floor(dst * in / out)). */
  public Mask resizeNearest(int w, int h) {
    boolean[] out = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      int sy = (int) Math.floor(y * (double) height / h);
      for (int x = 0; x < w; x++) {
        int sx = (int) Math.floor(x * (double) width / w);
        out[y * w + x] = inside[sy * width + sx];
      }
    }
    return new Mask(w, h, out);
  }

  /** Mirror left-right. */
  public Mask flipped() {
    boolean[] out = new boolean[inside.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        out[y * width + x] = inside[y * width + width - 1 - x];
      }
    }
    return new Mask(width, height, out);
  }

  /** 1 inside, 0 outside. */
  public float[] toFloats() {
    float[] f = new float[inside.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = inside[i] ? 1f : 0f;
    }
    return f;
  }

  /** 8-bit grey image: 255 inside, 0 outside. */
  public BufferedImage toImage() {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.getRaster().setSample(x, y, 0, inside[y * width + x] ? 255 : 0);
      }
    }
    return img;
  }

  /** Pixels of a grey or colour image above 127 (on any channel's luminance) are inside. */
  public static Mask fromImage(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    boolean[] in = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int g = (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff)) / 3;
        in[y * w + x] = g > 127;
      }
    }
    return new Mask(w, h, in);
  }

  private void requireSameSize(Mask o) {
    if (o.width != width || o.height != height) {
      throw new IllegalArgumentException("masks of different sizes: " + width + "x" + height
          + " and " + o.width + "x" + o.height);
    }
  }
}
