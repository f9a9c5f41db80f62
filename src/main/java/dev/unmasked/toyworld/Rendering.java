package dev.unmasked.toyworld;

import java.awt.image.BufferedImage;

/**
 * A rendered scene: sRGB pixels and the label of every pixel (0 = background, i+1 = object i), row
 * major, {@code width * height} each. A pixel belongs to the object whose shape contains the pixel's
 * centre, the last such object in painter's order; it is painted in exactly that object's fill or
 * pattern color (no antialiasing), so masks and paint agree pixel for pixel.
 */
public record Rendering(int width, int height, int[] rgb, int[] labels, int objectCount) {

  /** Binary mask of label {@code label} (0 = background). */
  public boolean[] mask(int label) {
    boolean[] m = new boolean[labels.length];
    for (int i = 0; i < labels.length; i++) {
      m[i] = labels[i] == label;
    }
    return m;
  }

  /** Number of pixels with label {@code label}. */
  public int area(int label) {
    int n = 0;
    for (int l : labels) {
      n += l == label ? 1 : 0;
    }
    return n;
  }

  /** The image as a TYPE_INT_RGB BufferedImage. */
  public BufferedImage image() {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, width, height, rgb, 0, width);
    return img;
  }

  /** Label {@code label}'s mask as an 8-bit gray image, 255 inside, 0 outside. */
  public BufferedImage maskImage(int label) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < labels.length; i++) {
      data[i] = labels[i] == label ? (byte) 255 : 0;
    }
    return img;
  }

  /** Channel-first floats in [-1, 1] ({@code [3, H, W]}, the diffusers convention). */
  public float[] chw() {
    return toChw(rgb, width * height);
  }

  /** Packed 0xRRGGBB pixels ({@code n} of them, row-major) as {@code [3, n]} floats in [-1, 1]. */
  public static float[] toChw(int[] rgb, int n) {
    float[] out = new float[3 * n];
    for (int i = 0; i < n; i++) {
      int p = rgb[i];
      out[i] = ((p >> 16) & 255) / 127.5f - 1f;
      out[n + i] = ((p >> 8) & 255) / 127.5f - 1f;
      out[2 * n + i] = (p & 255) / 127.5f - 1f;
    }
    return out;
  }
}
