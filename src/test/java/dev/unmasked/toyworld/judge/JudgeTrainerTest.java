package dev.unmasked.toyworld.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.unmasked.toyworld.Rendering;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trainer's targets against the renderer's exact ground truth. */
class JudgeTrainerTest {

  @Test
  void targetsMatchTheSceneAndItsLabelMap() {
    List<Scene> scenes = new ArrayList<>(JudgeEval.freshScenes(7_000_000L, 3, 1, 1));
    scenes.addAll(JudgeEval.freshScenes(7_100_000L, 3, 2, 3));
    int b = scenes.size();
    float[] images = new float[b * 3 * 64 * 64];
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      float[] img = Renderer.render(scenes.get(i), 1).chw();
      System.arraycopy(img, 0, images, i * img.length, img.length);
      captions.add(scenes.get(i).caption());
    }
    try (NDManager m = NDManager.newBaseManager()) {
      JudgeTrainer.Labels y = JudgeTrainer.Labels.of(m, new dev.unmasked.toyworld.TrainingStream.Batch(images, captions, scenes));
      float[] shape = y.shape().toFloatArray();
      float[] pattern = y.pattern().toFloatArray();
      float[] present = y.shapes().toFloatArray();
      float[] segShape = y.segShape().toFloatArray(); // [B, 11, 8, 8]
      float[] segPattern = y.segPattern().toFloatArray(); // [B, 5, 8, 8]
      float[] centers = y.centers().toFloatArray(); // [B, 10, 8, 8]
      for (int i = 0; i < b; i++) {
        Scene s = scenes.get(i);
        if (s.objects().size() == 1) {
          SceneObject o = s.objects().get(0);
          assertEquals(1f, shape[i * 10 + o.shape().ordinal()], s.caption());
          assertEquals(1f, pattern[i * 4 + o.pattern().ordinal()], s.caption());
        }
        for (SceneObject o : s.objects()) {
          assertEquals(1f, present[i * 10 + o.shape().ordinal()], s.caption());
        }
        Rendering r = Renderer.render(s, 1);
        java.util.Set<Integer> shapesHere = new java.util.HashSet<>();
        for (int j = 0; j < s.objects().size(); j++) {
          // centroid of the object's visible pixels: its cell holds a peak of the object's shape
          double sx = 0;
          double sy = 0;
          int area = 0;
          for (int p = 0; p < 64 * 64; p++) {
            if (r.labels()[p] == j + 1) {
              sx += p % 64 + 0.5;
              sy += p / 64 + 0.5;
              area++;
            }
          }
          int cell = (int) (sy / area / 8) * 8 + (int) (sx / area / 8);
          int k = s.objects().get(j).shape().ordinal();
          shapesHere.add(k);
          float peak = centers[(i * 10 + k) * 64 + cell];
          assertTrue(peak >= Math.exp(-0.5 / (2 * 0.75 * 0.75)) - 1e-6 && peak <= 1f, s.caption() + " peak " + peak);
        }
        for (int k = 0; k < 10; k++) {
          for (int cell = 0; cell < 64; cell++) {
            float v = centers[(i * 10 + k) * 64 + cell];
            if (!shapesHere.contains(k)) {
              assertEquals(0f, v, s.caption() + " shape " + k + " is absent");
            }
          }
        }
        for (int cy = 0; cy < 8; cy++) {
          for (int cx = 0; cx < 8; cx++) {
            int cell = cy * 8 + cx;
            float[] want = new float[11];
            float[] wantPattern = new float[5];
            for (int py = cy * 8; py < cy * 8 + 8; py++) {
              for (int px = cx * 8; px < cx * 8 + 8; px++) {
                int l = r.labels()[py * 64 + px];
                want[l == 0 ? 10 : s.objects().get(l - 1).shape().ordinal()] += 1f / 64;
                wantPattern[l == 0 ? 4 : s.objects().get(l - 1).pattern().ordinal()] += 1f / 64;
              }
            }
            for (int k = 0; k < 11; k++) {
              assertEquals(want[k], segShape[(i * 11 + k) * 64 + cell], 1e-5, s.caption() + " cell " + cell + " class " + k);
            }
            for (int k = 0; k < 5; k++) {
              assertEquals(wantPattern[k], segPattern[(i * 5 + k) * 64 + cell], 1e-5, s.caption() + " cell " + cell);
            }
          }
        }
      }
    }
  }
}
