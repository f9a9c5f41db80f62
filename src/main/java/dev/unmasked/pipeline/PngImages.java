package dev.unmasked.pipeline;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * PNG output with text chunks (A1111 puts its generation settings in a {@code parameters} tEXt
 * chunk; image browsers and A1111's "PNG info" read it). Files are written atomically.
 */
public final class PngImages {
  private PngImages() {}

  /** Image {@code index} of a [B, 3, H, W] uint8 batch as an RGB image. */
  public static BufferedImage toImage(byte[] chw, int index, int height, int width) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int plane = height * width;
    int base = index * 3 * plane;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = y * width + x;
        int r = chw[base + p] & 0xff;
        int g = chw[base + plane + p] & 0xff;
        int b = chw[base + 2 * plane + p] & 0xff;
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  /** Writes {@code img} to {@code out} with tEXt chunks, via a temp file and an atomic rename. */
  public static void write(BufferedImage img, Map<String, String> text, Path out)
      throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try {
      ImageTypeSpecifier type = ImageTypeSpecifier.createFromRenderedImage(img);
      IIOMetadata meta = writer.getDefaultImageMetadata(type, null);
      IIOMetadataNode textNode = new IIOMetadataNode("tEXt");
      for (Map.Entry<String, String> e : text.entrySet()) {
        IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
        entry.setAttribute("keyword", e.getKey());
        entry.setAttribute("value", e.getValue());
        textNode.appendChild(entry);
      }
      IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
      root.appendChild(textNode);
      meta.mergeTree("javax_imageio_png_1.0", root);
      try (ImageOutputStream ios = ImageIO.createImageOutputStream(bytes)) {
        writer.setOutput(ios);
        writer.write(null, new IIOImage(img, null, meta), null);
      }
    } finally {
      writer.dispose();
    }
    dev.unmasked.io.AtomicFile.write(out, bytes.toByteArray());
  }

  /** Reads the tEXt chunks of a PNG (for tests and for `info`-style tools). */
  public static Map<String, String> readText(Path png) throws IOException {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    try (ImageInputStreamHolder h = new ImageInputStreamHolder(png)) {
      javax.imageio.ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
      reader.setInput(h.stream);
      IIOMetadata meta = reader.getImageMetadata(0);
      org.w3c.dom.Node root = meta.getAsTree("javax_imageio_png_1.0");
      for (org.w3c.dom.Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n.getNodeName().equals("tEXt")) {
          for (org.w3c.dom.Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
            IIOMetadataNode en = (IIOMetadataNode) e;
            out.put(en.getAttribute("keyword"), en.getAttribute("value"));
          }
        }
      }
      reader.dispose();
    }
    return out;
  }

  private static final class ImageInputStreamHolder implements AutoCloseable {
    final javax.imageio.stream.ImageInputStream stream;

    ImageInputStreamHolder(Path p) throws IOException {
      stream = ImageIO.createImageInputStream(p.toFile());
      if (stream == null) {
        throw new IOException(p + ": cannot open");
      }
    }

    @Override
    public void close() throws IOException {
      stream.close();
    }
  }

  /** A1111's "parameters" text: prompt, negative prompt, then one settings line. */
  public static String a1111Parameters(GenerationRequest r, String sampler, long seed,
      String modelName) {
    StringBuilder sb = new StringBuilder(r.prompt());
    if (!r.negativePrompt().isEmpty()) {
      sb.append("\nNegative prompt: ").append(r.negativePrompt());
    }
    sb.append("\nSteps: ").append(r.steps())
        .append(", Sampler: ").append(sampler)
        .append(", CFG scale: ").append(r.guidanceScale())
        .append(", Seed: ").append(seed)
        .append(", Size: ").append(r.width()).append('x').append(r.height())
        .append(", Model: ").append(modelName);
    return sb.toString();
  }
}
