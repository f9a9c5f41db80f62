package dev.unmasked.crf;

import dev.unmasked.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One golden densecrf case ({@code shared/golden/densecrf/<case>.safetensors}): image U8 [H,W,3],
 * unary F32 [M,H,W], reference marginals {@code q_it<n>} and MAP {@code map_it<n>}, and for some
 * cases the intermediate filter outputs. All arrays are returned flat in the file's C order.
 */
final class GoldenCrfCase implements AutoCloseable {

  /** The cases copied into src/test/resources/crf (all but the 7.8 MB c512_l3). */
  static final List<String> SMALL_CASES =
      List.of(
          "a64_l2", "a64_l3", "b128_l2", "b128_l3", "e96x40_l3", "d_uniform_l2", "d_uniform_l3",
          "d_one_label", "d_1x1_l2", "d_1x1_l3", "d_hard_l2");

  final String name;
  final SafetensorsFile file;
  final int width;
  final int height;
  final int labels;

  private GoldenCrfCase(String name, SafetensorsFile file) {
    this.name = name;
    this.file = file;
    this.width = Integer.parseInt(file.metadata().get("W"));
    this.height = Integer.parseInt(file.metadata().get("H"));
    this.labels = Integer.parseInt(file.metadata().get("M"));
  }

  static GoldenCrfCase resource(String name) {
    URL url = GoldenCrfCase.class.getResource("/crf/" + name + ".safetensors");
    if (url == null) {
      throw new IllegalStateException("test resource crf/" + name + ".safetensors is missing");
    }
    try {
      return new GoldenCrfCase(name, open(Path.of(url.toURI())));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The case from {@code ${unmasked.shared}/golden/densecrf}, or null when that is absent. */
  static GoldenCrfCase shared(String name) {
    String shared = System.getProperty("unmasked.shared");
    if (shared == null) {
      return null;
    }
    Path p = Path.of(shared, "golden", "densecrf", name + ".safetensors");
    return Files.isRegularFile(p) ? new GoldenCrfCase(name, open(p)) : null;
  }

  int pixels() {
    return width * height;
  }

  boolean has(String key) {
    return file.contains(key);
  }

  byte[] image() {
    long[] v = longs("image");
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  float[] floats(String key) {
    try {
      return file.floats(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long[] longs(String key) {
    try {
      return file.longs(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static SafetensorsFile open(Path p) {
    try {
      return SafetensorsFile.open(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int[] ints(String key) {
    long[] v = longs(key);
    int[] r = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = (int) v[i];
    }
    return r;
  }

  @Override
  public void close() {
    file.close();
  }

  @Override
  public String toString() {
    return name;
  }
}
