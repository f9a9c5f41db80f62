package dev.unmasked.toyworld.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneJson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped judge against exact ground truth on fresh scenes. Seeds start at 2,000,000,000: the
 * judge trained on scene seeds below 10,000,000 and calibrated on seeds from 4,000,000,000
 * (docs/JUDGE.md), so these scenes are unseen.
 */
class JudgeTest {

  /** Until a judge that meets its thresholds is trained and shipped, these tests skip themselves. */
  private static void assumeShipped() {
    assumeTrue(JudgeTest.class.getResource(JudgeWeights.RESOURCE) != null,
        "no shipped judge at " + JudgeWeights.RESOURCE + " (train one: ./unmasked world train-judge; docs/JUDGE.md)");
  }

  @Test
  void shippedJudgeMeetsItsThresholdsOnFreshScenes() throws Exception {
    assumeShipped();
    try (Judge judge = Judge.loadDefault()) {
      JudgeEval.Metrics single = JudgeEval.evaluate(judge, JudgeEval.freshScenes(2_000_000_000L, 200, 1, 1));
      JudgeEval.Metrics multi = JudgeEval.evaluate(judge, JudgeEval.freshScenes(2_100_000_000L, 150, 2, 3));
      String report = single.summary() + "\n" + multi.summary();
      System.out.println("shipped judge on the CI scenes:\n" + report);
      assertTrue(single.background() >= JudgeEval.MIN_BACKGROUND, report);
      assertTrue(multi.background() >= JudgeEval.MIN_BACKGROUND, report);
      assertTrue(single.shape() >= JudgeEval.MIN_SINGLE, report);
      assertTrue(single.color() >= JudgeEval.MIN_SINGLE, report);
      assertTrue(single.pattern() >= JudgeEval.MIN_SINGLE, report);
      assertTrue(multi.shapesF1() >= JudgeEval.MIN_PRESENCE_F1, report);
      assertTrue(multi.colorsF1() >= JudgeEval.MIN_PRESENCE_F1, report);
    }
  }

  @Test
  void predictionsUseTheSceneJsonNamesAndFeaturesAreUnitVectors() throws Exception {
    assumeShipped();
    List<Scene> scenes = JudgeEval.freshScenes(2_200_000_000L, 4, 1, 1);
    List<float[]> images = new ArrayList<>();
    for (Scene s : scenes) {
      images.add(Renderer.render(s, 1).chw());
    }
    try (Judge judge = Judge.loadDefault()) {
      List<Judgement> js = judge.judge(images);
      for (int i = 0; i < js.size(); i++) {
        JsonObject truth = SceneJson.toJsonTree(scenes.get(i));
        JsonObject pred = js.get(i).toJson(false);
        assertEquals(truth.get("background").getAsString(), pred.get("background").getAsString());
        if (js.get(i).count() == 1) {
          JsonObject t = truth.getAsJsonArray("objects").get(0).getAsJsonObject();
          JsonObject p = pred.getAsJsonArray("objects").get(0).getAsJsonObject();
          for (String key : new String[] {"shape", "color", "pattern"}) {
            assertTrue(p.has(key) && t.has(key), key);
          }
        }
        assertEquals(1.0, js.get(i).similarity(js.get(i)), 1e-4);
      }
      // Same image twice: same feature; a different scene: less similar.
      Judgement a = js.get(0);
      Judgement again = judge.judge(List.of(images.get(0))).get(0);
      assertEquals(1.0, a.similarity(again), 1e-4);
      assertTrue(a.similarity(js.get(1)) < 0.999);
    }
  }
}
