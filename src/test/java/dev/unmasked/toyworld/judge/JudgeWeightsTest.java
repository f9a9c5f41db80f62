package dev.unmasked.toyworld.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.unmasked.io.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgeWeightsTest {

  @Test
  void writesSafetensorsThatTheProjectReaderAccepts(@TempDir Path tmp) throws Exception {
    Map<String, float[]> values = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    values.put("a.weight", new float[] {1.5f, -2f, 3.25f, 0f, 7f, -0.125f});
    shapes.put("a.weight", new long[] {2, 3});
    values.put("b", new float[] {42f});
    shapes.put("b", new long[] {1});
    Path f = tmp.resolve("w.safetensors");
    JudgeWeights.write(f, new JudgeWeights.Tensors(values, shapes, Map.of("step", "17")));

    byte[] bytes = Files.readAllBytes(f);
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8, "header padded to 8 bytes");
    assertEquals(8 + headerLen + 4 * 7, bytes.length);
    try (SafetensorsFile sf = SafetensorsFile.open(f)) {
      assertArrayEquals(new long[] {2, 3}, sf.info("a.weight").shape());
      assertArrayEquals(values.get("a.weight"), sf.floats("a.weight"));
      assertArrayEquals(new float[] {42f}, sf.floats("b"));
      assertEquals("17", sf.metadata().get("step"));
    }
  }

  @Test
  void netRejectsMisshapedWeights() {
    Map<String, float[]> init = JudgeNet.initialValues(1);
    init.put("fc.bias", new float[3]);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Judge.fromTensors(new JudgeWeights.Tensors(init,
            JudgeNet.shapes(), Map.of())));
    assertEquals(true, e.getMessage().contains("fc.bias"), e.getMessage());
  }

  private static JudgeWeights.Tensors randomJudge(long seed, Map<String, String> meta) {
    return new JudgeWeights.Tensors(JudgeNet.initialValues(seed), JudgeNet.shapes(), new LinkedHashMap<>(meta));
  }

  @Test
  void ensembleFileRoundTripsItsMembers(@TempDir Path tmp) throws Exception {
    JudgeWeights.Tensors a = randomJudge(1, Map.of("steps", "10", Judge.VIEWS, "16"));
    JudgeWeights.Tensors b = randomJudge(2, Map.of("steps", "20"));
    Path f = tmp.resolve("ensemble.safetensors");
    JudgeWeights.write(f, JudgeWeights.ensemble(List.of(a, b)));
    JudgeWeights.Tensors e = JudgeWeights.read(f);
    assertEquals("2", e.metadata().get(Judge.MEMBERS));
    assertEquals(null, e.metadata().get(Judge.VIEWS), "a member's decoding settings are not the ensemble's");
    for (int i = 0; i < 2; i++) {
      JudgeWeights.Tensors m = JudgeWeights.member(e, i);
      JudgeWeights.Tensors orig = i == 0 ? a : b;
      assertEquals(orig.values().keySet(), m.values().keySet());
      for (String k : orig.values().keySet()) {
        assertArrayEquals(orig.values().get(k), m.values().get(k), k);
        assertArrayEquals(orig.shapes().get(k), m.shapes().get(k), k);
      }
      assertEquals(i == 0 ? "10" : "20", m.metadata().get("steps"));
    }
    try (Judge j = Judge.load(f)) {
      assertEquals(2, j.members());
    }
  }

  @Test
  void ensembleRejectsNestingAndMissingMembers() {
    JudgeWeights.Tensors a = randomJudge(1, Map.of());
    JudgeWeights.Tensors e = JudgeWeights.ensemble(List.of(a, randomJudge(2, Map.of())));
    assertThrows(IllegalArgumentException.class, () -> JudgeWeights.ensemble(List.of(a)));
    assertThrows(IllegalArgumentException.class, () -> JudgeWeights.ensemble(List.of(a, e)));
    Map<String, String> three = new LinkedHashMap<>(e.metadata());
    three.put(Judge.MEMBERS, "3");
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
        () -> Judge.fromTensors(new JudgeWeights.Tensors(e.values(), e.shapes(), three)));
    assertEquals(true, ex.getMessage().contains("member 2"), ex.getMessage());
    Map<String, String> bad = new LinkedHashMap<>(e.metadata());
    bad.put(Judge.MEMBERS, "two");
    ex = assertThrows(IllegalArgumentException.class,
        () -> Judge.fromTensors(new JudgeWeights.Tensors(e.values(), e.shapes(), bad)));
    assertEquals(true, ex.getMessage().contains("'two'"), ex.getMessage());
  }
}
