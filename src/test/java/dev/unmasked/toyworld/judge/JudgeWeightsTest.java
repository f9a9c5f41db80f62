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
}
