package dev.unmasked.toyworld.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Scene;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An ensemble judge averages its members' heads and keeps member 0's feature vector. */
class JudgeEnsembleTest {

  private static JudgeWeights.Tensors judge(long seed) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(Judge.VIEWS, "8");
    return new JudgeWeights.Tensors(JudgeNet.initialValues(seed), JudgeNet.shapes(), meta);
  }

  @Test
  void shapeScoresAreTheMembersMeanAndFeaturesComeFromTheFirst() {
    List<float[]> images = new ArrayList<>();
    for (Scene s : JudgeEval.freshScenes(2_300_000_000L, 3, 2, 3)) {
      images.add(Renderer.render(s, 1).chw());
    }
    JudgeWeights.Tensors a = judge(11);
    JudgeWeights.Tensors b = judge(12);
    JudgeWeights.Tensors ens = JudgeWeights.ensemble(List.of(a, b));
    ens.metadata().put(Judge.VIEWS, "8");
    List<Judgement> ja;
    List<Judgement> jb;
    List<Judgement> je;
    try (Judge x = Judge.fromTensors(a); Judge y = Judge.fromTensors(b); Judge e = Judge.fromTensors(ens)) {
      assertEquals(2, e.members());
      ja = x.judge(images);
      jb = y.judge(images);
      je = e.judge(images);
    }
    for (int i = 0; i < images.size(); i++) {
      float[] sa = ja.get(i).shapeScores();
      float[] sb = jb.get(i).shapeScores();
      float[] mean = new float[sa.length];
      double spread = 0;
      for (int k = 0; k < sa.length; k++) {
        mean[k] = (sa[k] + sb[k]) / 2;
        spread += Math.abs(sa[k] - sb[k]);
      }
      // the two random members disagree, so the mean differs from either one
      assertEquals(true, spread > 1e-3, "members too alike for the test to mean anything");
      assertArrayEquals(mean, je.get(i).shapeScores(), 1e-5f);
      assertArrayEquals(ja.get(i).feature(), je.get(i).feature(), 1e-6f);
    }
  }
}
