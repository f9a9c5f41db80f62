package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.Shape;
import dev.unmasked.toyworld.judge.Judgement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reading samples of learned concepts from hand-made judge outputs. */
class SampleScoresTest {
  static final SceneObject RED_STAR = object(Shape.STAR, ObjectColor.RED, Pattern.STRIPED);
  static final SceneObject BLUE_RING = object(Shape.RING, ObjectColor.BLUE, Pattern.PLAIN);

  static SceneObject object(Shape s, ObjectColor c, Pattern p) {
    return new SceneObject(s, c, p, 32, 32, 24, 0, c.rgb(), c.rgb(), 4);
  }

  static Judgement judged(Background bg, Shape s, ObjectColor c, Pattern p, Set<Shape> shapes,
      Set<ObjectColor> colors, float... feature) {
    return new Judgement(bg, shapes.size(), s, c, p, shapes, colors, feature, new float[10]);
  }

  @Test
  void attributesOfASingleObjectSample() {
    Judgement j = judged(Background.SNOW, Shape.STAR, ObjectColor.RED, Pattern.PLAIN, Set.of(Shape.STAR),
        Set.of(ObjectColor.RED), 1, 0);
    boolean[] a = SampleScores.attributes(j, RED_STAR);
    assertArrayEquals(new boolean[] {true, true, false, false}, a);
    Judgement right = judged(Background.SNOW, Shape.STAR, ObjectColor.RED, Pattern.STRIPED,
        Set.of(Shape.STAR), Set.of(ObjectColor.RED), 1, 0);
    assertTrue(SampleScores.attributes(right, RED_STAR)[3]);
  }

  @Test
  void leaksAreTheSceneBackgroundOrAnotherObjectsColor() {
    Judgement onGrass = judged(Background.GRASS, Shape.STAR, ObjectColor.RED, Pattern.STRIPED,
        Set.of(Shape.STAR), Set.of(ObjectColor.RED, ObjectColor.BLUE), 1, 0);
    assertTrue(SampleScores.backgroundLeak(onGrass, Background.SNOW, Set.of(Background.GRASS)));
    assertFalse(SampleScores.backgroundLeak(onGrass, Background.GRASS, Set.of(Background.GRASS)),
        "asking for the scene's own background is no leak");
    assertFalse(SampleScores.backgroundLeak(onGrass, Background.SNOW, Set.of(Background.SAND)));
    assertTrue(SampleScores.colorLeak(onGrass, Set.of(ObjectColor.BLUE)));
    assertFalse(SampleScores.colorLeak(onGrass, Set.of(ObjectColor.GREEN)));
    assertFalse(SampleScores.colorLeak(onGrass, Set.of()));
  }

  @Test
  void compositionNeedsEveryShapeAndEveryColor() {
    Judgement both = judged(Background.SNOW, Shape.STAR, ObjectColor.RED, Pattern.PLAIN,
        Set.of(Shape.STAR, Shape.RING), Set.of(ObjectColor.RED, ObjectColor.BLUE), 1, 0);
    assertTrue(SampleScores.allPresent(both, List.of(RED_STAR, BLUE_RING)));
    Judgement noRing = judged(Background.SNOW, Shape.STAR, ObjectColor.RED, Pattern.PLAIN,
        Set.of(Shape.STAR), Set.of(ObjectColor.RED, ObjectColor.BLUE), 1, 0);
    assertFalse(SampleScores.allPresent(noRing, List.of(RED_STAR, BLUE_RING)));
    Judgement noBlue = judged(Background.SNOW, Shape.STAR, ObjectColor.RED, Pattern.PLAIN,
        Set.of(Shape.STAR, Shape.RING), Set.of(ObjectColor.RED), 1, 0);
    assertFalse(SampleScores.allPresent(noBlue, List.of(RED_STAR, BLUE_RING)));
  }

  @Test
  void diversityIsTheMeanPairwiseCosineDistance() {
    float[] a = {1, 0};
    float[] b = {0, 1};
    float[] c = {(float) Math.sqrt(0.5), (float) Math.sqrt(0.5)};
    assertEquals(0.0, SampleScores.diversity(List.of(a, a, a)), 1e-9);
    assertEquals(1.0, SampleScores.diversity(List.of(a, b)), 1e-9);
    // pairs (a,b) 1, (a,c) and (b,c) 1 - sqrt(0.5) each
    assertEquals((1 + 2 * (1 - Math.sqrt(0.5))) / 3, SampleScores.diversity(List.of(a, b, c)), 1e-6);
    assertTrue(Double.isNaN(SampleScores.diversity(List.of(a))));
    assertEquals(Math.sqrt(0.5), SampleScores.similarity(a, c), 1e-6);
  }
}
