package dev.unmasked.concepts;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.UserError;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * One user image at the model's resolution: resized (shorter side) and centre-cropped when it has
 * another size. When a toy-world {@code scene.json} lies beside it (or in a {@code --gt} folder), its
 * ground truth comes along: each object's visible mask with its attribute words, and the background.
 *
 * @param stem file name without extension (names the image's folders in the run)
 * @param argb {@code size x size} packed pixels
 * @param truth ground-truth regions, empty when unknown
 * @param note what was done to the image (resize, crop), or empty
 */
public record InputImage(Path path, String stem, int size, int[] argb, List<Truth> truth, String note) {

  /** A ground-truth region: an object (its words: pattern, color, shape) or the background. */
  public record Truth(String name, List<String> words, boolean background, Mask mask) {}

  public static InputImage load(Path path, int size, Path gtDir) {
    BufferedImage img;
    try {
      img = Files.isRegularFile(path) ? ImageIO.read(path.toFile()) : null;
    } catch (IOException e) {
      img = null;
    }
    if (img == null) {
      throw new UserError(path + ": not a readable image (give PNG or JPEG files)");
    }
    String name = path.getFileName().toString();
    String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    String note = "";
    if (img.getWidth() != size || img.getHeight() != size) {
      note = String.format("%s is %dx%d: resized and centre-cropped to %dx%d", path, img.getWidth(),
          img.getHeight(), size, size);
      img = resizeCrop(img, size);
    }
    int[] argb = img.getRGB(0, 0, size, size, null, 0, size);
    Path sceneDir = gtDir != null ? gtDir : path.toAbsolutePath().getParent();
    List<Truth> truth = note.isEmpty() ? readTruth(sceneDir, name, size) : List.of();
    return new InputImage(path, stem, size, argb, truth, note);
  }

  /** Channel-first floats in [-1, 1], optionally mirrored: [3 * size * size]. */
  public float[] chw(boolean flip) {
    int n = size * size;
    float[] out = new float[3 * n];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int p = argb[y * size + (flip ? size - 1 - x : x)];
        int i = y * size + x;
        out[i] = ((p >> 16) & 0xff) / 127.5f - 1f;
        out[n + i] = ((p >> 8) & 0xff) / 127.5f - 1f;
        out[2 * n + i] = (p & 0xff) / 127.5f - 1f;
      }
    }
    return out;
  }

  public BufferedImage image() {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, size, size, argb, 0, size);
    return img;
  }

  static BufferedImage resizeCrop(BufferedImage src, int size) {
    double s = (double) size / Math.min(src.getWidth(), src.getHeight());
    int w = (int) Math.round(src.getWidth() * s);
    int h = (int) Math.round(src.getHeight() * s);
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    g.drawImage(src, (size - w) / 2, (size - h) / 2, w, h, null);
    g.dispose();
    return out;
  }

  /** Reads scene.json (toy world) whose "image" is this file; masks at the image size. */
  private static List<Truth> readTruth(Path dir, String imageName, int size) {
    Path json = dir == null ? null : dir.resolve("scene.json");
    if (json == null || !Files.isRegularFile(json)) {
      return List.of();
    }
    try {
      JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
      if (o.has("image") && !o.get("image").getAsString().equals(imageName)) {
        return List.of();
      }
      List<Truth> out = new ArrayList<>();
      JsonArray objs = o.getAsJsonArray("objects");
      for (int i = 0; i < objs.size(); i++) {
        JsonObject ob = objs.get(i).getAsJsonObject();
        Mask m = readMask(dir.resolve(ob.get("mask").getAsString()), size);
        List<String> words = List.of(ob.get("pattern").getAsString(), ob.get("color").getAsString(),
            ob.get("shape").getAsString());
        out.add(new Truth("object " + (i + 1) + " (" + String.join(" ", words) + ")", words, false, m));
      }
      if (o.has("backgroundMask")) {
        out.add(new Truth("background (" + o.get("background").getAsString() + ")",
            List.of(o.get("background").getAsString()), true,
            readMask(dir.resolve(o.get("backgroundMask").getAsString()), size)));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new UserError(json + ": unreadable ground truth (" + e.getMessage() + ")", e);
    }
  }

  private static Mask readMask(Path p, int size) throws IOException {
    BufferedImage img = ImageIO.read(p.toFile());
    if (img == null || img.getWidth() != size || img.getHeight() != size) {
      throw new IOException(p + " is not a " + size + "x" + size + " mask image");
    }
    return Mask.fromImage(img);
  }

  /** Stems must be unique: they name folders. */
  static Map<String, InputImage> byStem(List<InputImage> images) {
    Map<String, InputImage> m = new LinkedHashMap<>();
    for (InputImage im : images) {
      if (m.put(im.stem(), im) != null) {
        throw new UserError("two input images are both named '" + im.stem() + "'; rename one");
      }
    }
    return m;
  }
}
