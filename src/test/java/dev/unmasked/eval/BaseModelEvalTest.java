package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code eval base --quick} end to end on a randomly initialised toy-sized model. */
class BaseModelEvalTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      CommandLine cl = Main.commandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void quickRunWritesMetricsAndTheSampleGrid() throws Exception {
    Path model = TinyToyModel.write(tmp.resolve("toy"), 7);
    Path out = tmp.resolve("eval");
    Run r = run("eval", "base", "--model", model.toString(), "--out", out.toString(), "--quick",
        "--samples", "4");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("reconstruction PSNR"), r.out());
    assertTrue(r.out().contains("new token"), r.out());

    JsonObject m = JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject();
    JsonObject vae = m.getAsJsonObject("vae");
    assertEquals(8, vae.get("scenes").getAsInt());
    assertEquals(4, vae.get("single_object_scenes").getAsInt());
    double psnr = vae.get("psnr_db").getAsDouble();
    assertTrue(psnr > 0 && psnr < 60, "psnr " + psnr);
    // the judge reads its own renderings right, whatever the model
    JsonObject truth = vae.getAsJsonObject("judge_original_vs_truth");
    assertTrue(truth.getAsJsonObject("background").get("rate").getAsDouble() >= 0.75, truth.toString());

    JsonObject gen = m.getAsJsonObject("generation");
    assertEquals(25, gen.get("steps").getAsInt());
    assertEquals("ddim", gen.get("scheduler").getAsString());
    JsonObject single = gen.getAsJsonObject("single_object");
    assertEquals(4, single.get("prompts").getAsInt());
    for (String k : new String[] {"background", "shape", "color", "pattern", "all"}) {
      double rate = single.getAsJsonObject(k).get("rate").getAsDouble();
      assertTrue(rate >= 0 && rate <= 1, k + " " + rate);
      assertEquals(4, single.getAsJsonObject(k).get("n").getAsInt());
    }
    assertEquals(2, gen.getAsJsonObject("two_objects").get("prompts").getAsInt());

    JsonObject att = m.getAsJsonObject("attention");
    assertEquals(4, att.get("scenes").getAsInt());
    assertEquals(8, att.get("objects").getAsInt());
    assertEquals(16, att.get("map_side").getAsInt());
    // the toy UNet's cross-attention: 16x16 in down_blocks.0 / up_blocks.1, 8x8 elsewhere
    JsonObject layers = att.getAsJsonObject("layers");
    assertEquals(16, layers.get("down_blocks.0.attentions.0.transformer_blocks.0.attn2").getAsInt());
    assertEquals(8, layers.get("mid_block.attentions.0.transformer_blocks.0.attn2").getAsInt());
    for (String v : AttentionLocalisation.VARIANTS) {
      JsonObject s = att.getAsJsonObject("averaged_over_timesteps").getAsJsonObject(v);
      double iou = s.getAsJsonObject("iou_argmax").get("mean").getAsDouble();
      assertTrue(iou >= 0 && iou <= 1, v + " " + iou);
      assertTrue(s.getAsJsonObject("own_object_higher").get("n").getAsInt() > 0, v);
    }
    assertEquals(4, att.getAsJsonObject("per_timestep").size());

    var grid = ImageIO.read(out.resolve("samples.png").toFile());
    assertTrue(grid.getWidth() > 6 * 128 && grid.getHeight() > 128, grid.getWidth() + "x" + grid.getHeight());
  }

  @Test
  void aMissingModelIsOneClearError() {
    Run r = run("eval", "base", "--model", tmp.resolve("nothing").toString(), "--quick");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("error: --model "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void theDefaultModelIsUnderTheProjectHome() {
    String old = System.getProperty("unmasked.home");
    System.setProperty("unmasked.home", tmp.toString());
    try {
      Run r = run("eval", "base", "--quick");
      assertEquals(2, r.code());
      assertTrue(r.err().contains(tmp.resolve("models/toyworld-sd").toString()), r.err());
    } finally {
      if (old == null) {
        System.clearProperty("unmasked.home");
      } else {
        System.setProperty("unmasked.home", old);
      }
    }
  }
}
