package dev.unmasked.model.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.testutil.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CLIPTextModelTest {

  static CLIPTextModel load(String folder, NDManager m) throws Exception {
    return CLIPTextModel.load(ConfigJson.read(Golden.path(folder + "/text_encoder/config.json")),
        SafetensorsFile.open(Golden.path(folder + "/text_encoder/model.safetensors")), m,
        DataType.FLOAT32);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1", "sd2"})
  void matchesTransformers(String kind) throws Exception {
    String folder = kind.equals("sd1") ? "tiny-sd" : "tiny-sd2";
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("text_encoder_" + kind + "_golden.safetensors")) {
      CLIPTextModel te = load(folder, m);
      NDArray ids = m.create(g.longs("input_ids"), new Shape(2, 77));
      CLIPTextModel.Output out = te.forward(ids);
      Golden.assertClose(kind + " last_hidden_state", Golden.load(m, g, "last_hidden_state"),
          out.lastHiddenState(), 1e-4, 1e-4);
      Golden.assertClose(kind + " pooler_output", Golden.load(m, g, "pooler_output"),
          out.pooledOutput(), 1e-4, 1e-4);
      NDArray hs = Golden.load(m, g, "hidden_states");
      assertEquals(hs.getShape().get(0), out.hiddenStates().size());
      for (int i = 0; i < out.hiddenStates().size(); i++) {
        Golden.assertClose(kind + " hidden_states[" + i + "]", hs.get(new NDIndex(i)),
            out.hiddenStates().get(i), 1e-4, 1e-4);
      }
    }
  }

  @Test
  void extraTokenRowsActLikeTableRows() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      CLIPTextModel te = load("tiny-sd", m);
      // A new id whose row equals row 500 must give the same output as id 500.
      NDArray row = te.tokenEmbedding().get(new NDIndex("500:501")).duplicate();
      te.setExtraTokens(m.randomNormal(new Shape(1, 32)).concat(row, 0));
      long[] a = new long[77];
      long[] b = new long[77];
      java.util.Arrays.fill(a, 999);
      java.util.Arrays.fill(b, 999);
      a[0] = b[0] = 998;
      a[1] = 500;
      b[1] = 1001;
      NDArray outA = te.forward(m.create(a, new Shape(1, 77))).lastHiddenState();
      NDArray outB = te.forward(m.create(b, new Shape(1, 77))).lastHiddenState();
      assertTrue(Golden.maxAbsDiff(outA, outB) < 1e-6);
      long[] c = b.clone();
      c[1] = 1002;
      assertThrows(IllegalArgumentException.class,
          () -> te.forward(m.create(c, new Shape(1, 77))));
    }
  }
}
