package dev.unmasked.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

class MapTensorSourceTest {
  @Test
  void holdsShapesAndHandsOutCopies() throws IOException {
    float[] w = {1, 2, 3, 4, 5, 6};
    MapTensorSource m = new MapTensorSource("test tensors").put("w", w, 2, 3).put("b", new float[] {7});
    assertEquals(List.of("b", "w"), List.copyOf(m.keys()));
    assertEquals(DType.F32, m.info("w").dtype());
    assertArrayEquals(new long[] {2, 3}, m.info("w").shape());
    assertEquals(0, m.info("b").shape().length); // a 0-d scalar
    assertEquals(24, m.info("w").byteLength());
    float[] got = m.floats("w");
    got[0] = 99;
    assertArrayEquals(w, m.floats("w"));
    assertThrows(IllegalArgumentException.class, () -> m.put("x", new float[5], 2, 3));
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> m.floats("x"));
    assertTrue(e.getMessage().startsWith("test tensors: ") && e.getMessage().contains("'x'"));
    m.remove("b");
    assertFalse(m.contains("b"));
  }

  @Test
  void copiesAnotherSource() throws IOException {
    try (SafetensorsFile f =
        SafetensorsFile.open(Paths.get("src/test/resources/golden/vae_sd1_golden.safetensors"))) {
      MapTensorSource copy = MapTensorSource.copyOf(f);
      assertEquals(f.keys(), copy.keys());
      for (String k : f.keys()) {
        assertArrayEquals(f.floats(k), copy.floats(k), k);
        assertArrayEquals(f.info(k).shape(), copy.info(k).shape(), k);
      }
      assertEquals(f.describe(), copy.describe());
    }
  }
}
