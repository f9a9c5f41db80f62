package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval concepts --quick} end to end on a randomly initialised toy-sized model: the numbers
 * mean nothing; the test checks that every artefact is written, that an interrupted run is resumed,
 * and that a second invocation redoes nothing.
 */
class ConceptEvalTest {
  @TempDir Path tmp;

  @Test
  void quickWritesEveryArtefactResumesAndRedoesNothing() throws Exception {
    Path model = TinyToyModel.write(tmp.resolve("toy"), 11);
    Path out = tmp.resolve("eval");
    // An interrupted fixed run: learn stopped after 2 of its 4 steps, with a checkpoint.
    EvalCase c = EvalSuite.write(List.of(SuiteCases.quick()), out.resolve("scenes")).get(0);
    LearnArgs.Common common = new LearnArgs.Common(model, 0, LearnArgs.QUICK_STEPS,
        LearnArgs.QUICK_ESTEP_EVERY, LearnArgs.QUICK_EXTRA);
    Path fixed = ConceptEval.runDir(out, c, "fixed");
    List<String> learn = new ArrayList<>(List.of("learn"));
    learn.addAll(LearnArgs.of(c, "fixed", common, fixed, false));
    learn.addAll(List.of("--stop-after", "2"));
    BaseModelEvalTest.Run stopped = BaseModelEvalTest.run(learn.toArray(new String[0]));
    assertEquals(3, stopped.code(), stopped.err());
    assertTrue(Files.isRegularFile(fixed.resolve("checkpoint/state.safetensors")));
    assertFalse(Files.exists(fixed.resolve("learned_embeds.safetensors")));

    BaseModelEvalTest.Run r = BaseModelEvalTest.run("eval", "concepts", "--quick", "--model",
        model.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("2 to learn"), r.err());
    assertTrue(r.err().contains("quick-two fixed: resuming"), r.err());
    assertTrue(r.err().contains("quick-two em: learning"), r.err());
    assertTrue(r.out().contains("mIoU, final masks"), r.out());
    assertTrue(Files.readString(fixed.resolve("learn.log")).contains("resuming from"));

    // Every artefact.
    for (String mode : new String[] {"em", "fixed"}) {
      Path run = ConceptEval.runDir(out, c, mode);
      for (String f : new String[] {"learned_embeds.safetensors", "masks.csv", "final/masks/quick-two/overlay.png",
          "masks/step-00000/quick-two/overlay.png", ConceptEval.COST, ConceptEval.SCORE, ConceptEval.GRID,
          ConceptEval.LOG}) {
        assertTrue(Files.isRegularFile(run.resolve(f)), mode + ": " + f);
      }
    }
    assertTrue(Files.isRegularFile(ConceptEval.runDir(out, c, "em").resolve("masks/step-00002/quick-two/v1.png")),
        "em re-estimates at step 2");
    JsonObject cost = json(fixed.resolve(ConceptEval.COST));
    assertTrue(cost.get("resumed").getAsBoolean());
    assertTrue(cost.get("wall_s").getAsDouble() > 0);
    assertTrue(cost.get("peak_rss_mb").getAsDouble() > 10, cost.toString());

    JsonObject m = json(out.resolve(ConceptReport.METRICS_JSON));
    JsonArray runs = m.getAsJsonArray("runs");
    assertEquals(2, runs.size());
    for (var e : runs) {
      JsonObject run = e.getAsJsonObject();
      assertEquals("done", run.get("status").getAsString());
      JsonObject v = run.getAsJsonObject("metrics");
      for (String k : new String[] {"masks.first_miou", "masks.final_miou", "concept.shape", "concept.all",
          "concept.similarity", "prompt.background", "prompt.leak_color", "composition.two", "diversity",
          "cost.wall_s", "cost.peak_rss_mb"}) {
        assertFalse(v.get(k).isJsonNull(), run.get("mode") + " " + k);
        double x = v.get(k).getAsDouble();
        assertTrue(Double.isFinite(x) && x >= -1, k + " " + x);
      }
      assertTrue(v.get("composition.three").isJsonNull(), "two objects: no triple");
    }
    assertEquals("em", runs.get(0).getAsJsonObject().get("mode").getAsString());
    assertEquals(2, runs.get(0).getAsJsonObject().getAsJsonArray("esteps").size(), "em: E-steps at 0 and 2");
    assertEquals(1, runs.get(1).getAsJsonObject().getAsJsonArray("esteps").size(), "fixed: one E-step");
    JsonObject fig = m.getAsJsonObject("figure3");
    assertEquals("[0,2,4]", fig.getAsJsonArray("steps").toString());
    assertEquals(3, fig.getAsJsonObject("miou").getAsJsonArray("em").size());
    assertTrue(m.getAsJsonObject("modes").has("fixed"));
    assertEquals(1, m.getAsJsonObject("em_vs_fixed").getAsJsonObject("final_miou_em_minus_fixed").get("n").getAsInt());

    List<String> csv = Files.readAllLines(out.resolve(ConceptReport.METRICS_CSV));
    assertEquals(3, csv.size());
    assertTrue(csv.get(0).startsWith("case,kind,mode,status,masks.first_miou"), csv.get(0));
    assertTrue(csv.get(1).startsWith("quick-two,two-objects,em,done,"), csv.get(1));

    String html = Files.readString(out.resolve(ConceptReport.HTML));
    assertTrue(html.contains("report/figure3.png"));
    assertTrue(html.contains("runs/quick-two/em/masks/step-00002/quick-two/overlay.png"), "mask gallery");
    assertTrue(html.contains("runs/quick-two/fixed/eval/samples.png"), "generations per mode");
    assertTrue(html.contains("Failure cases"));
    for (String png : new String[] {"figure3", "bars-masks", "bars-concept-fidelity", "bars-prompt-fidelity",
        "bars-composition", "bars-diversity", "bars-cost-time", "bars-cost-memory"}) {
      assertTrue(ImageIO.read(out.resolve("report/" + png + ".png").toFile()).getWidth() > 100, png);
    }

    // A second invocation learns and scores nothing again.
    byte[] embeds = Files.readAllBytes(fixed.resolve("learned_embeds.safetensors"));
    byte[] score = Files.readAllBytes(fixed.resolve(ConceptEval.SCORE));
    byte[] costBytes = Files.readAllBytes(fixed.resolve(ConceptEval.COST));
    BaseModelEvalTest.Run again = BaseModelEvalTest.run("eval", "concepts", "--quick", "--model",
        model.toString(), "--out", out.toString());
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("0 to learn"), again.err());
    assertFalse(again.err().contains("scoring"), again.err());
    assertArrayEquals(embeds, Files.readAllBytes(fixed.resolve("learned_embeds.safetensors")));
    assertArrayEquals(score, Files.readAllBytes(fixed.resolve(ConceptEval.SCORE)));
    assertArrayEquals(costBytes, Files.readAllBytes(fixed.resolve(ConceptEval.COST)));
    assertEquals(csv, Files.readAllLines(out.resolve(ConceptReport.METRICS_CSV)));

    // Other learn settings in the same folder would mix runs: refused before anything is learned.
    BaseModelEvalTest.Run other = BaseModelEvalTest.run("eval", "concepts", "--quick", "--model",
        model.toString(), "--out", out.toString(), "--learn-arg=--lr", "--learn-arg=0.001");
    assertEquals(2, other.code(), other.err());
    assertTrue(other.err().contains("other settings") && other.err().contains("0.001"), other.err());
    assertArrayEquals(embeds, Files.readAllBytes(fixed.resolve("learned_embeds.safetensors")));
  }

  @Test
  void badOptionsAreOneClearError() throws Exception {
    Path model = TinyToyModel.write(tmp.resolve("toy"), 3);
    BaseModelEvalTest.Run r = BaseModelEvalTest.run("eval", "concepts", "--model", model.toString(),
        "--modes", "em,magic", "--out", tmp.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("error: --modes em,magic"), r.err());
    r = BaseModelEvalTest.run("eval", "concepts", "--model", model.toString(), "--scenes", "nope",
        "--out", tmp.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no case or kind named nope"), r.err());
    r = BaseModelEvalTest.run("eval", "concepts", "--model", tmp.resolve("none").toString(), "--quick");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("error: --model "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void theDefaultModelIsUnderTheProjectHome() {
    String old = System.getProperty("unmasked.home");
    System.setProperty("unmasked.home", tmp.toString());
    try {
      BaseModelEvalTest.Run r = BaseModelEvalTest.run("eval", "concepts", "--quick", "--out",
          tmp.resolve("o").toString());
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

  private static JsonObject json(Path p) throws Exception {
    return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
  }
}
