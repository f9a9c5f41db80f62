package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.testutil.Golden;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `unmasked learn` end to end on tiny-sd (16x16 images): outputs, resume, bad input. */
class LearnCommandTest {
  @TempDir Path tmp;

  /** A 16x16 scene (red square, blue disc) with its masks and a scene.json. */
  private Path scene() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("scene"));
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    BufferedImage m1 = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage m2 = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage bg = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        boolean a = x >= 2 && x < 7 && y >= 4 && y < 10;
        boolean b = !a && (x - 11) * (x - 11) + (y - 8) * (y - 8) < 12;
        img.setRGB(x, y, a ? 0xd02020 : b ? 0x2040d0 : 0x808080);
        m1.getRaster().setSample(x, y, 0, a ? 255 : 0);
        m2.getRaster().setSample(x, y, 0, b ? 255 : 0);
        bg.getRaster().setSample(x, y, 0, a || b ? 0 : 255);
      }
    }
    ImageIO.write(img, "png", d.resolve("image.png").toFile());
    ImageIO.write(m1, "png", d.resolve("mask-1.png").toFile());
    ImageIO.write(m2, "png", d.resolve("mask-2.png").toFile());
    ImageIO.write(bg, "png", d.resolve("mask-background.png").toFile());
    Files.writeString(d.resolve("scene.json"), """
        {"image": "image.png", "background": "sand", "backgroundMask": "mask-background.png",
         "objects": [
          {"shape": "square", "color": "red", "pattern": "plain", "mask": "mask-1.png"},
          {"shape": "circle", "color": "blue", "pattern": "plain", "mask": "mask-2.png"}]}
        """);
    return d;
  }

  private List<String> args(Path image, Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("learn", image.toString(), "--model",
        Golden.path("tiny-sd").toString(), "--concept", "<v1>=photo", "--concept", "<v2>=beach",
        "--steps", "6", "--estep-every", "2", "--estep-t", "4", "--attn-res", "8", "--batch", "2",
        "--checkpoint-every", "2"));
    if (out != null) {
      a.add("--out");
      a.add(out.toString());
    }
    a.addAll(List.of(extra));
    return a;
  }

  private static GenerateCommandTest.Run run(List<String> a) {
    return GenerateCommandTest.run(a.toArray(new String[0]));
  }

  @Test
  void writesTheRunFolderAndResumesExactly() throws Exception {
    Path d = scene();
    Path image = d.resolve("image.png");
    Path straight = tmp.resolve("straight");
    GenerateCommandTest.Run r = run(args(image, straight));
    assertEquals(0, r.code(), r.err());
    for (String f : new String[] {"run.json", "loss.csv", "masks.csv", "learned_embeds.safetensors",
        "a1111/v1.safetensors", "a1111/v2.safetensors", "final/masks/image/v1.png",
        "final/masks/image/overlay.png", "masks/step-00000/image/v2.png", "checkpoint/state.safetensors",
        "samples/final.png"}) {
      assertTrue(Files.isRegularFile(straight.resolve(f)), "missing " + f);
    }
    List<String> masks = Files.readAllLines(straight.resolve("masks.csv"));
    assertTrue(masks.size() > 2, "E-steps recorded");
    assertTrue(masks.get(1).contains("object 1") || masks.get(1).contains("object 2"),
        "IoU against the scene's truth: " + masks.get(1));
    assertEquals(7, Files.readAllLines(straight.resolve("loss.csv")).size(), "header + 6 steps");
    BufferedImage m = ImageIO.read(straight.resolve("final/masks/image/v1.png").toFile());
    assertEquals(16, m.getWidth());

    Path split = tmp.resolve("split");
    GenerateCommandTest.Run a = run(args(image, split, "--stop-after", "3"));
    assertEquals(3, a.code(), a.err());
    assertFalse(Files.exists(split.resolve("learned_embeds.safetensors")));
    GenerateCommandTest.Run b = run(args(image, null, "--resume", split.toString()));
    assertEquals(0, b.code(), b.err());
    try (SafetensorsFile x = SafetensorsFile.open(straight.resolve("learned_embeds.safetensors"));
        SafetensorsFile y = SafetensorsFile.open(split.resolve("learned_embeds.safetensors"))) {
      for (String k : List.of("<v1>", "<v2>")) {
        float[] p = x.floats(k);
        float[] q = y.floats(k);
        assertEquals(p.length, q.length);
        for (int i = 0; i < p.length; i++) {
          assertEquals(p[i], q[i], 1e-5, k + "[" + i + "]");
        }
      }
    }
    assertArrayEquals(Files.readAllLines(straight.resolve("masks.csv")).toArray(),
        Files.readAllLines(split.resolve("masks.csv")).toArray(), "same E-steps, same masks");
  }

  @Test
  void badInputIsOneLineAndWritesNothing() throws Exception {
    Path d = scene();
    Path image = d.resolve("image.png");
    Path out = tmp.resolve("bad");
    String[][] cases = {
        {"--in", "<v9>=image.png"},
        {"--in", "<v1>=other.png"},
        {"--background", "<v7>"},
        {"--mode", "user"},
        {"--mode", "sideways"},
        {"--mask", "<v1>=image.png:" + tmp.resolve("nope.png")},
        {"--concept", "<v3>=qxz"},
    };
    for (String[] c : cases) {
      GenerateCommandTest.Run r = run(args(image, out, c));
      assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
      assertTrue(r.err().strip().lines().filter(l -> !l.startsWith("note: ")).count() == 1
          && r.err().strip().lines().reduce((x, y) -> y).orElse("").startsWith("error: "),
          String.join(" ", c) + ": " + r.err());
      assertFalse(Files.exists(out), String.join(" ", c) + " wrote " + out);
    }
    Path text = Files.writeString(tmp.resolve("notes.png"), "not an image");
    GenerateCommandTest.Run r = run(args(text, out));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("notes.png"), r.err());
    // A user mask of the wrong size.
    BufferedImage big = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
    ImageIO.write(big, "png", tmp.resolve("small.png").toFile());
    r = run(args(image, out, "--mode", "user", "--mask", "<v1>=image.png:" + tmp.resolve("small.png"),
        "--mask", "<v2>=image.png:" + d.resolve("mask-2.png")));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("8x8"), r.err());
    // Resuming with other arguments.
    Path run1 = tmp.resolve("r1");
    assertEquals(0, run(args(image, run1, "--stop-after", "2")).code() == 3 ? 0 : 1);
    r = run(args(image, null, "--resume", run1.toString(), "--lambda-attn", "0.5"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("other arguments"), r.err());
    try (Stream<Path> s = Files.list(run1)) {
      assertTrue(s.count() > 0);
    }
  }
}
