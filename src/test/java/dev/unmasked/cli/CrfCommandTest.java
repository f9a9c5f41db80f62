package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.DType;
import dev.unmasked.io.SafetensorsFile;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code unmasked crf} end to end on the a64_l3 golden case, and its error messages. */
class CrfCommandTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** A safetensors file with one F32 tensor. */
  static void writeF32(Path p, String name, float[] v, long... shape) throws Exception {
    StringBuilder s = new StringBuilder();
    for (long d : shape) {
      s.append(s.length() == 0 ? "" : ",").append(d);
    }
    String json = "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + s + "],\"data_offsets\":[0,"
        + 4L * v.length + "]}}";
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    b.asFloatBuffer().put(v);
    Files.write(p, b.array());
  }

  Path goldenInputs(float[][] probsOut, long[][] mapOut, float[][] qOut) throws Exception {
    URL url = getClass().getResource("/crf/a64_l3.safetensors");
    try (SafetensorsFile g = SafetensorsFile.open(Path.of(url.toURI()))) {
      long[] px = g.longs("image");
      BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
      for (int i = 0; i < 64 * 64; i++) {
        img.setRGB(i % 64, i / 64, (int) (px[i * 3] << 16 | px[i * 3 + 1] << 8 | px[i * 3 + 2]));
      }
      ImageIO.write(img, "png", dir.resolve("img.png").toFile());
      probsOut[0] = g.floats("prob");
      mapOut[0] = g.longs("map_it5");
      qOut[0] = g.floats("q_it5");
      writeF32(dir.resolve("probs.safetensors"), "probs", probsOut[0], 3, 64, 64);
    }
    return dir.resolve("img.png");
  }

  @Test
  void sharpensTheGoldenCaseLikeTheReference() throws Exception {
    float[][] probs = new float[1][];
    long[][] map = new long[1][];
    float[][] q = new float[1][];
    Path img = goldenInputs(probs, map, q);
    Path out = dir.resolve("out.safetensors");
    Path png = dir.resolve("labels.png");
    Run r = run("crf", "--image", img.toString(), "--probs", dir.resolve("probs.safetensors")
        .toString(), "--out", out.toString(), "--png", png.toString(), "--threads", "2");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("64x64, 3 labels, 5 iterations"), r.out);
    try (SafetensorsFile f = SafetensorsFile.open(out)) {
      assertEquals(DType.U8, f.info("labels").dtype());
      long[] labels = f.longs("labels");
      float[] got = f.floats("q");
      for (int i = 0; i < map[0].length; i++) {
        assertEquals(map[0][i], labels[i], "MAP at pixel " + i);
      }
      // The unary is recomputed from the float32 probabilities: allow the README's 1e-5.
      for (int i = 0; i < got.length; i++) {
        assertEquals(q[0][i], got[i], 1e-5f, "Q at " + i);
      }
    }
    BufferedImage labelsPng = ImageIO.read(png.toFile());
    assertEquals(64, labelsPng.getWidth());
    int x = (int) (java.util.stream.IntStream.range(0, 4096).filter(i -> map[0][i] == 1)
        .findFirst().orElseThrow());
    assertEquals(0x800000, labelsPng.getRGB(x % 64, x / 64) & 0xFFFFFF, "label 1 is VOC red");
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "temporary file left");
    }
  }

  @Test
  void badInputGivesClearErrors() throws Exception {
    Path img = goldenInputs(new float[1][], new long[1][], new float[1][]);
    Path out = dir.resolve("o.safetensors");
    Path wrong = dir.resolve("wrong.safetensors");
    writeF32(wrong, "p", new float[3 * 32 * 64], 3, 32, 64);
    Run r = run("crf", "--image", img.toString(), "--probs", wrong.toString(), "--out",
        out.toString());
    assertEquals(2, r.code);
    assertTrue(r.err.contains("shape [3, 32, 64] but the image is 64x64"), r.err);

    float[] neg = new float[2 * 64 * 64];
    neg[70] = -1f;
    writeF32(wrong, "p", neg, 2, 64, 64);
    r = run("crf", "--image", img.toString(), "--probs", wrong.toString(), "--out",
        out.toString());
    assertEquals(2, r.code);
    assertTrue(r.err.contains("label 0 at pixel 70 is -1.0"), r.err);

    writeF32(wrong, "p", new float[0], 0, 64, 64);
    r = run("crf", "--image", img.toString(), "--unary", wrong.toString(), "--out",
        out.toString());
    assertEquals(2, r.code);
    assertTrue(r.err.contains("zero labels"), r.err);

    Path notImage = dir.resolve("x.png");
    Files.writeString(notImage, "not an image");
    r = run("crf", "--image", notImage.toString(), "--unary", wrong.toString(), "--out",
        out.toString());
    assertEquals(2, r.code);
    assertTrue(r.err.contains("--image") && r.err.contains("not an image format"), r.err);

    r = run("crf", "--image", img.toString(), "--probs", dir.resolve("probs.safetensors")
        .toString(), "--out", out.toString(), "--bilateral-srgb", "0");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("bilateral srgb must be a positive"), r.err);
    assertTrue(Files.notExists(out), "no output on error");
  }
}
