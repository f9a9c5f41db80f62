package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.HeldOut;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Shape;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalPromptsTest {

  @Test
  void tenSinglePromptsCoverEveryValueAndNoneIsHeldOut() {
    for (long seed = 0; seed < 20; seed++) {
      List<EvalPrompts.Single> s = EvalPrompts.singles(10, seed);
      EnumSet<Shape> shapes = EnumSet.noneOf(Shape.class);
      EnumSet<ObjectColor> colors = EnumSet.noneOf(ObjectColor.class);
      EnumSet<Pattern> patterns = EnumSet.noneOf(Pattern.class);
      EnumSet<Background> bgs = EnumSet.noneOf(Background.class);
      for (EvalPrompts.Single p : s) {
        assertFalse(HeldOut.isHeldOut(p.object()), p.text());
        shapes.add(p.object().shape());
        colors.add(p.object().color());
        patterns.add(p.object().pattern());
        bgs.add(p.background());
      }
      assertEquals(10, shapes.size());
      assertEquals(10, colors.size());
      assertEquals(4, patterns.size(), "seed " + seed);
      assertEquals(8, bgs.size());
    }
    assertEquals(EvalPrompts.singles(10, 3), EvalPrompts.singles(10, 3));
  }

  @Test
  void pairsHaveTwoShapesAndTwoColorsNeitherHeldOut() {
    for (EvalPrompts.Pair p : EvalPrompts.pairs(40, 1)) {
      assertNotEquals(p.first().shape(), p.second().shape(), p.text());
      assertNotEquals(p.first().color(), p.second().color(), p.text());
      assertFalse(HeldOut.isHeldOut(p.first()) || HeldOut.isHeldOut(p.second()), p.text());
    }
    assertEquals("a red circle and a striped blue star on the sand",
        dev.unmasked.toyworld.Caption.of(List.of(
            new dev.unmasked.toyworld.Triple(Shape.CIRCLE, ObjectColor.RED, Pattern.PLAIN),
            new dev.unmasked.toyworld.Triple(Shape.STAR, ObjectColor.BLUE, Pattern.STRIPED)),
            Background.SAND));
  }
}
