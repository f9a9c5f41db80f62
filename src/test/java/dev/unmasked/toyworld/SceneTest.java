package dev.unmasked.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SceneTest {

  @Test
  void captionsNameEveryObjectAndTheBackground() {
    for (long seed = 0; seed < 500; seed++) {
      Scene s = SceneSampler.sample(seed, SceneOptions.training());
      String c = s.caption();
      assertTrue(c.startsWith("a ") || c.startsWith("an "), c);
      assertTrue(c.endsWith(" " + s.background().phrase()), c);
      assertTrue(c.contains(s.background().word()), c);
      assertFalse(c.contains("plain"), c);
      for (SceneObject o : s.objects()) {
        assertTrue(c.contains(o.triple().phrase()), c + " lacks " + o.triple().phrase());
      }
    }
    assertEquals("a striped red star and an orange circle on the sand",
        Caption.of(List.of(new Triple(Shape.STAR, ObjectColor.RED, Pattern.STRIPED),
            new Triple(Shape.CIRCLE, ObjectColor.ORANGE, Pattern.PLAIN)), Background.SAND));
    assertEquals("a blue ring, a dotted white cross and a black heart at night",
        Caption.of(List.of(new Triple(Shape.RING, ObjectColor.BLUE, Pattern.PLAIN),
            new Triple(Shape.CROSS, ObjectColor.WHITE, Pattern.DOTTED),
            new Triple(Shape.HEART, ObjectColor.BLACK, Pattern.PLAIN)), Background.NIGHT));
  }

  @Test
  void jsonRoundTripsExactly() {
    for (long seed = 0; seed < 100; seed++) {
      Scene s = SceneSampler.sample(seed, SceneOptions.training().withHeldOut(SceneOptions.HeldOutPolicy.INCLUDE));
      Scene back = SceneJson.fromJson(SceneJson.toJson(s));
      assertEquals(s, back);
      assertArrayEquals(Renderer.render(s, 1).rgb(), Renderer.render(back, 1).rgb());
    }
  }

  @Test
  void partialSpecKeepsWhatItFixes() {
    SceneSpec spec = SceneJson.parseSpec(
        "{\"background\":\"snow\",\"objects\":[{\"shape\":\"heart\",\"color\":\"red\"},{\"pattern\":\"dotted\"}]}");
    for (long seed = 0; seed < 20; seed++) {
      Scene s = SceneSampler.sample(seed, SceneOptions.training(), spec);
      assertEquals(Background.SNOW, s.background());
      assertEquals(2, s.objects().size());
      assertEquals(Shape.HEART, s.objects().get(0).shape());
      assertEquals(ObjectColor.RED, s.objects().get(0).color());
      assertEquals(Pattern.DOTTED, s.objects().get(1).pattern());
    }
  }

  @Test
  void badSpecsNameTheProblem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SceneJson.parseSpec("{\"objects\":[{\"shape\":\"octagon\"}]}"));
    assertTrue(e.getMessage().contains("octagon") && e.getMessage().contains("hexagon"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SceneJson.parseSpec("{\"backgroud\":\"sand\"}"));
    assertTrue(e.getMessage().contains("backgroud"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> SceneJson.parseSpec("{\"objects\":[{\"shape\":\"star\",\"x\":3}]}"));
    assertTrue(e.getMessage().contains("x, y, size, rotation"), e.getMessage());
  }

  @Test
  void heldOutListIsTenPercentAndBalanced() {
    List<Triple> held = HeldOut.triples();
    assertEquals(40, held.size());
    for (Shape s : Shape.values()) {
      assertEquals(4, held.stream().filter(t -> t.shape() == s).count(), s.toString());
    }
    for (ObjectColor c : ObjectColor.values()) {
      assertEquals(4, held.stream().filter(t -> t.color() == c).count(), c.toString());
      for (Shape s : Shape.values()) {
        assertTrue(held.stream().filter(t -> t.color() == c && t.shape() == s).count() <= 1);
      }
    }
    // Spot checks against the list in docs/TOYWORLD.md.
    assertTrue(HeldOut.isHeldOut(Shape.CIRCLE, ObjectColor.RED, Pattern.PLAIN));
    assertTrue(HeldOut.isHeldOut(Shape.SQUARE, ObjectColor.PINK, Pattern.CHECKERED));
    assertTrue(HeldOut.isHeldOut(Shape.HEXAGON, ObjectColor.BROWN, Pattern.DOTTED));
    assertTrue(HeldOut.isHeldOut(Shape.STAR, ObjectColor.RED, Pattern.STRIPED));
    assertFalse(HeldOut.isHeldOut(Shape.STAR, ObjectColor.RED, Pattern.PLAIN));
  }

  @Test
  void trainingNeverProducesHeldOutAndRequireAlwaysDoes() {
    EnumSet<Shape> seen = EnumSet.noneOf(Shape.class);
    for (long seed = 0; seed < 2000; seed++) {
      Scene s = SceneSampler.sample(seed, SceneOptions.training());
      assertFalse(s.hasHeldOut(), "seed " + seed);
      s.objects().forEach(o -> seen.add(o.shape()));
      Scene h = SceneSampler.sample(seed, SceneOptions.training().withHeldOut(SceneOptions.HeldOutPolicy.REQUIRE));
      assertTrue(HeldOut.isHeldOut(h.objects().get(0).triple()), "seed " + seed);
    }
    assertEquals(EnumSet.allOf(Shape.class), seen);
  }
}
