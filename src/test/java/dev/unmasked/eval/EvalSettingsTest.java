package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EvalSettingsTest {

  @Test
  void quickAndDefaultSizes() {
    EvalSettings q = EvalSettings.of(null, 0, true);
    assertEquals(10, q.singlePrompts());
    assertEquals(5, q.pairPrompts());
    assertEquals(20, q.vaeScenes());
    assertEquals(10, q.attentionScenes());
    assertArrayEquals(new long[] {100, 300, 500, 700}, q.timesteps());
    EvalSettings d = EvalSettings.of(null, 3, false);
    assertEquals(80, d.singlePrompts());
    assertEquals(40, d.pairPrompts());
    assertEquals(7, EvalSettings.of(7, 0, true).singlePrompts());
    assertEquals(4, EvalSettings.of(7, 0, true).pairPrompts());
    assertThrows(IllegalArgumentException.class, () -> EvalSettings.of(0, 0, false));
  }
}
