package dev.unmasked.toyworld;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes a scene as a folder: {@code image.png} (64x64), optionally {@code image@Kx.png} (display
 * size), {@code mask-background.png}, {@code mask-1.png}.. (one per object in painter's order, 255 =
 * visible pixel of that object), and {@code scene.json} (the scene, plus the file names). Every file
 * is written atomically (temp file in the same folder, then an atomic move).
 */
public final class SceneFiles {

  public static final String IMAGE = "image.png";
  public static final String BACKGROUND_MASK = "mask-background.png";
  public static final String JSON = "scene.json";

  private SceneFiles() {}

  /** File name of object {@code i}'s mask (0-based index, painter's order). */
  public static String objectMask(int i) {
    return "mask-" + (i + 1) + ".png";
  }

  /** Writes the scene into {@code dir} (created if needed); {@code displayScale} 0 or 1 skips the large image. */
  public static void write(Scene scene, Path dir, int displayScale) throws IOException {
    Files.createDirectories(dir);
    Rendering r = Renderer.render(scene, 1);
    writePng(r.image(), dir.resolve(IMAGE));
    writePng(r.maskImage(0), dir.resolve(BACKGROUND_MASK));
    for (int i = 0; i < scene.objects().size(); i++) {
      writePng(r.maskImage(i + 1), dir.resolve(objectMask(i)));
    }
    JsonObject json = SceneJson.toJsonTree(scene);
    json.addProperty("image", IMAGE);
    json.addProperty("backgroundMask", BACKGROUND_MASK);
    JsonArray objs = json.getAsJsonArray("objects");
    for (int i = 0; i < objs.size(); i++) {
      objs.get(i).getAsJsonObject().addProperty("mask", objectMask(i));
    }
    if (displayScale > 1) {
      writePng(Renderer.render(scene, displayScale).image(), dir.resolve("image@" + displayScale + "x.png"));
    }
    writeAtomically(dir.resolve(JSON), (SceneJson.pretty(json) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** PNG bytes of an image (ImageIO's encoder: no timestamps, same bytes for the same pixels). */
  public static byte[] pngBytes(BufferedImage img) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, "png", bos)) {
        throw new IllegalStateException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  public static void writePng(BufferedImage img, Path file) throws IOException {
    writeAtomically(file, pngBytes(img));
  }

  /** Temp file in the same folder, then an atomic rename (umask-respecting; see io.AtomicFile). */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    dev.unmasked.io.AtomicFile.write(file, bytes);
  }
}
