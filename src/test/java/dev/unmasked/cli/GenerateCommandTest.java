package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.testutil.Golden;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `unmasked generate` end to end on the tiny golden pipeline. */
class GenerateCommandTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    try {
      CommandLine cl = Main.commandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args);
      return new Run(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void writesTheGoldenImageFromTheGoldenInitialLatents() throws Exception {
    Path init = tmp.resolve("init.safetensors");
    try (SafetensorsFile g = Golden.open("pipeline_sd1_golden.safetensors")) {
      new SafetensorsWriter().putF32("latents", g.floats("initial_latents"), 1, 4, 8, 12)
          .write(init);
      Path png = tmp.resolve("astronaut.png");
      Path lat = tmp.resolve("final.safetensors");
      Run r = run("generate", "--model", Golden.path("tiny-sd").toString(), "--prompt",
          "a photo of an astronaut riding a horse", "--steps", "4", "--guidance", "7.5",
          "--height", "16", "--width", "24", "--init-latents", init.toString(), "--out",
          png.toString(), "--save-latents", lat.toString(), "--seed", "11");
      assertEquals(0, r.code(), r.err());
      BufferedImage img = ImageIO.read(png.toFile());
      assertEquals(24, img.getWidth());
      assertEquals(16, img.getHeight());
      long[] u8 = g.longs("image_uint8");
      int plane = 16 * 24;
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < plane; p++) {
          int rgb = img.getRGB(p % 24, p / 24);
          int v = (rgb >> (16 - 8 * c)) & 0xff;
          assertTrue(Math.abs(v - u8[c * plane + p]) <= 1, "pixel " + p + " channel " + c);
        }
      }
      String params = PngImages.readText(png).get("parameters");
      assertTrue(params.startsWith("a photo of an astronaut riding a horse\nSteps: 4, "
          + "Sampler: DDIM, CFG scale: 7.5, Seed: 11, Size: 24x16, Model: tiny-sd"), params);
      try (SafetensorsFile f = SafetensorsFile.open(lat)) {
        Golden.assertClose("saved latents", g.floats("final_latents"), f.floats("latents"), 1e-3,
            1e-4);
      }
      assertTrue(r.out().contains("s/step"), r.out());
    }
  }

  private static List<Path> listing(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.sorted(Comparator.naturalOrder()).toList();
    }
  }

  @Test
  void badInputGivesAClearErrorAndNoFiles() throws Exception {
    String model = Golden.path("tiny-sd").toString();
    List<Path> before = listing(tmp);
    Run missingDir = run("generate", "--model", model, "--prompt", "x", "--out",
        tmp.resolve("nope/x.png").toString());
    assertEquals(2, missingDir.code());
    assertTrue(missingDir.err().contains("does not exist"), missingDir.err());

    Run size = run("generate", "--model", model, "--prompt", "x", "--height", "15", "--out",
        tmp.resolve("x.png").toString());
    assertEquals(2, size.code());
    assertTrue(size.err().contains("multiples of 2"), size.err());

    Run sched = run("generate", "--model", model, "--prompt", "x", "--scheduler", "lms",
        "--out", tmp.resolve("x.png").toString());
    assertEquals(2, sched.code());
    assertTrue(sched.err().contains("lms"), sched.err());

    Run noModel = run("generate", "--model", tmp.resolve("missing").toString(), "--prompt", "x",
        "--out", tmp.resolve("x.png").toString());
    assertEquals(2, noModel.code());
    assertTrue(noModel.err().contains("missing"), noModel.err());
    assertEquals(before, listing(tmp), "no file was written");
  }

  @Test
  void incompleteModelNamesTheMissingPart() throws Exception {
    Path copy = tmp.resolve("model");
    Path src = Golden.path("tiny-sd");
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path d = copy.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(d);
        } else if (!p.getFileName().toString().equals("diffusion_pytorch_model.safetensors")
            || !p.getParent().getFileName().toString().equals("unet")) {
          Files.copy(p, d);
        }
      }
    }
    Run r = run("generate", "--model", copy.toString(), "--prompt", "x", "--out",
        tmp.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("unet"), r.err());
    assertFalse(Files.exists(tmp.resolve("x.png")));
  }

  @Test
  void longPromptWarnsNamingTheCutPart() {
    String prompt = "a red star ".repeat(30) + "THE END PART";
    Run r = run("generate", "--model", Golden.path("tiny-sd").toString(), "--prompt", prompt,
        "--steps", "1", "--height", "8", "--width", "8", "--out", tmp.resolve("x.png").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("warning") && r.err().contains("the end part"), r.err());
  }

  @Test
  void runsWithAnEmbeddingAndALora() throws Exception {
    Path png = tmp.resolve("tok.png");
    Run r = run("generate", "--model", Golden.path("tiny-sd").toString(), "--prompt",
        "a photo of <tok> on the beach", "--negative-prompt", "<tok>", "--steps", "2",
        "--height", "8", "--width", "8", "--embeddings",
        Golden.path("interop/ti/a1111_embedding.pt") + "=<tok>", "--lora",
        Golden.path("interop/lora/lora_kohya.safetensors").toString(), "--lora-scale", "0.5",
        "--out", png.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.size(png) > 0);
    String params = PngImages.readText(png).get("parameters");
    assertTrue(params.startsWith("a photo of <tok> on the beach\nNegative prompt: <tok>\n"),
        "the PNG keeps the prompt as written: " + params);
  }

  @Test
  void aWrongWidthEmbeddingExits2WithOneLine() throws Exception {
    Path wide = tmp.resolve("wide.safetensors");
    dev.unmasked.adapters.EmbeddingFiles.writeDiffusers(wide,
        java.util.Map.of("<wide>", new float[1][768]));
    Path png = tmp.resolve("x.png");
    Run r = run("generate", "--model", Golden.path("tiny-sd").toString(), "--prompt",
        "a <wide> cat", "--steps", "1", "--embeddings", wide.toString(), "--out", png.toString());
    assertEquals(2, r.code(), r.err());
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.startsWith("error: ") && err.contains("768") && err.contains("32")
        && err.contains(wide.toString()), err);
    assertFalse(Files.exists(png));

    Run noFile = run("generate", "--model", Golden.path("tiny-sd").toString(), "--prompt", "x",
        "--lora", tmp.resolve("none.safetensors").toString(), "--out", png.toString());
    assertEquals(2, noFile.code());
    assertTrue(noFile.err().contains("none.safetensors"), noFile.err());
    Run scaleAlone = run("generate", "--model", Golden.path("tiny-sd").toString(), "--prompt",
        "x", "--lora-scale", "0.5", "--out", png.toString());
    assertEquals(2, scaleAlone.code());
    assertTrue(scaleAlone.err().contains("--lora"), scaleAlone.err());
  }
}
