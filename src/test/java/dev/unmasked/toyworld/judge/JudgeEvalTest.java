package dev.unmasked.toyworld.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The presence-threshold calibration on judgements with known scores. */
class JudgeEvalTest {

  @Test
  void calibrationPicksTheThresholdThatSeparatesPresentFromAbsentShapes() {
    List<Scene> scenes = JudgeEval.freshScenes(7_200_000L, 20, 2, 3);
    List<Judgement> js = new ArrayList<>();
    for (Scene s : scenes) {
      float[] scores = new float[10];
      Arrays.fill(scores, -1.5f);
      for (SceneObject o : s.objects()) {
        scores[o.shape().ordinal()] = 1.2f;
      }
      // one absent shape per scene scores 0.4: any threshold in [0.4, 1.2) is perfect, lower ones are not
      for (int k = 0; k < 10; k++) {
        if (scores[k] < 0) {
          scores[k] = 0.4f;
          break;
        }
      }
      js.add(new Judgement(Background.SAND, s.objects().size(), Shape.CIRCLE, ObjectColor.RED, Pattern.PLAIN,
          EnumSet.noneOf(Shape.class), EnumSet.noneOf(ObjectColor.class), new float[128], scores));
    }
    float th = JudgeEval.calibrateShapeThreshold(scenes, js);
    assertTrue(th >= 0.4f - 1e-6 && th < 1.2f, "threshold " + th);
    assertEquals(0.4f, th, 1e-6, "the lowest perfect threshold on the grid");
  }
}
