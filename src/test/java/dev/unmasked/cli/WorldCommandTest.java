package dev.unmasked.cli;

import dev.unmasked.UserError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class WorldCommandTest {

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void renderWritesImageMasksAndJson(@TempDir Path tmp) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, run(out, err, "world", "render", "--seed", "11", "--count", "2", "--objects", "2",
        "--out", tmp.toString()), err.toString());
    for (long seed : new long[] {11, 12}) {
      Path dir = tmp.resolve("scene-" + seed);
      JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("scene.json"))).getAsJsonObject();
      assertEquals(2, json.getAsJsonArray("objects").size());
      for (String f : new String[] {"image.png", "mask-background.png", "mask-1.png", "mask-2.png"}) {
        assertTrue(Files.size(dir.resolve(f)) > 0, f);
      }
    }
  }

  @Test
  void badArgumentsAreUserErrors(@TempDir Path tmp) {
    StringWriter err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "render", "--seed", "1", "--objects", "5", "--out", tmp.toString()));
    assertTrue(err.toString().contains("--objects"), err.toString());
    Path spec = tmp.resolve("spec.json");
    err = new StringWriter();
    try {
      Files.writeString(spec, "{\"objects\":[{\"color\":\"teal\"}]}");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertEquals(2, run(new StringWriter(), err, "world", "render", "--seed", "1", "--spec", spec.toString(), "--out", tmp.toString()));
    assertTrue(err.toString().contains("teal"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "eval-judge", "--calibrate"));
    assertTrue(err.toString().contains("--weights"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "eval-judge", "--weights", tmp.resolve("none.safetensors").toString()));
    assertTrue(err.toString().contains("none.safetensors"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "train-judge", "--out", tmp.resolve("run").toString(),
        "--init", tmp.resolve("none.safetensors").toString()));
    assertTrue(err.toString().contains("--init"), err.toString());
    assertTrue(!Files.exists(tmp.resolve("run").resolve("checkpoint.safetensors")));
  }

  @Test
  void ensembleJudgeRejectsBadInputsAndKeepsFiles(@TempDir Path tmp) throws Exception {
    Path a = tmp.resolve("a.safetensors");
    Path b = tmp.resolve("b.safetensors");
    dev.unmasked.toyworld.judge.JudgeWeights.Tensors shipped = dev.unmasked.toyworld.judge.JudgeWeights.readShipped();
    dev.unmasked.toyworld.judge.JudgeWeights.write(a, shipped);
    dev.unmasked.toyworld.judge.JudgeWeights.write(b, shipped);
    Path ens = tmp.resolve("ens.safetensors");
    dev.unmasked.toyworld.judge.JudgeWeights.write(ens,
        dev.unmasked.toyworld.judge.JudgeWeights.ensemble(java.util.List.of(shipped, shipped)));
    byte[] before = Files.readAllBytes(a);

    StringWriter err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "ensemble-judge", "--out", tmp.resolve("o.safetensors").toString(),
        a.toString(), tmp.resolve("missing.safetensors").toString()));
    assertTrue(err.toString().contains("missing.safetensors"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "ensemble-judge", "--out", a.toString(), a.toString(), b.toString()));
    assertTrue(err.toString().contains("also an input"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "ensemble-judge", "--out", tmp.resolve("o.safetensors").toString(),
        a.toString(), ens.toString()));
    assertTrue(err.toString().contains("already an ensemble"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "train-judge", "--out", tmp.resolve("run").toString(),
        "--init", ens.toString()));
    assertTrue(err.toString().contains("ensemble"), err.toString());
    Files.writeString(b, "not safetensors");
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "world", "ensemble-judge", "--out", tmp.resolve("o.safetensors").toString(),
        a.toString(), b.toString()));
    assertTrue(err.toString().contains("b.safetensors"), err.toString());
    assertTrue(!Files.exists(tmp.resolve("o.safetensors")));
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(a)));
  }

  @Test
  void judgeJsonNamesMatchTheScene(@TempDir Path tmp) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        getClass().getResource(dev.unmasked.toyworld.judge.JudgeWeights.RESOURCE) != null, "no shipped judge yet");
    StringWriter err = new StringWriter();
    assertEquals(0, run(new StringWriter(), err, "world", "render", "--seed", "2000000100", "--objects", "1",
        "--out", tmp.toString()), err.toString());
    Path dir = tmp.resolve("scene-2000000100");
    StringWriter out = new StringWriter();
    assertEquals(0, run(out, err, "world", "judge", "--json", dir.resolve("image.png").toString()), err.toString());
    JsonArray arr = JsonParser.parseString(out.toString()).getAsJsonArray();
    JsonObject pred = arr.get(0).getAsJsonObject();
    JsonObject truth = JsonParser.parseString(Files.readString(dir.resolve("scene.json"))).getAsJsonObject();
    assertEquals(truth.get("background").getAsString(), pred.get("background").getAsString());
    assertTrue(pred.has("shapes") && pred.has("colors"));
    assertEquals(2, run(new StringWriter(), new StringWriter(), "world", "judge", tmp.resolve("missing.png").toString()));
  }
}
