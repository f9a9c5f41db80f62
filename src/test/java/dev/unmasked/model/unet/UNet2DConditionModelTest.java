package dev.unmasked.model.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.testutil.Golden;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UNet2DConditionModelTest {

  static UNet2DConditionModel load(String folder, NDManager m) throws Exception {
    SafetensorsFile w = SafetensorsFile.open(
        Golden.path(folder + "/unet/diffusion_pytorch_model.safetensors"));
    return UNet2DConditionModel.load(ConfigJson.read(Golden.path(folder + "/unet/config.json")),
        w, m, DataType.FLOAT32);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1", "sd2"})
  void matchesDiffusersForScalarAndPerSampleTimesteps(String kind) throws Exception {
    String folder = kind.equals("sd1") ? "tiny-sd" : "tiny-sd2";
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("unet_" + kind + "_golden.safetensors")) {
      UNet2DConditionModel unet = load(folder, m);
      NDArray sample = Golden.load(m, g, "sample");
      NDArray ctx = Golden.load(m, g, "encoder_hidden_states");
      NDArray tScalar = m.create(g.longs("timestep_scalar")[0]); // 0-d, as the golden call
      Map<String, NDArray> probs = new LinkedHashMap<>();
      Map<String, NDArray> inter = new LinkedHashMap<>();
      NDArray out = unet.forward(sample, tScalar, ctx,
          new dev.unmasked.model.layers.AttentionObserver() {
            @Override
            public void onAttention(String path, NDArray p) {
              probs.put(path, p);
            }

            @Override
            public boolean wants(String path) {
              return path.endsWith("attn2");
            }
          }, inter::put);
      Golden.assertClose(kind + " out_t_scalar", Golden.load(m, g, "out_t_scalar"), out, 1e-4, 1e-4);

      List<String> golden = new ArrayList<>();
      for (String k : g.keys()) {
        if (k.startsWith("attn_probs.")) {
          golden.add(k.substring("attn_probs.".length()));
        }
      }
      assertEquals(golden.size(), probs.size(), "number of cross-attention layers");
      List<String> order = List.of(g.metadata().get("attn_layers_in_call_order")
          .replaceAll("[\\[\\]\" ]", "").split(","));
      assertEquals(order, new ArrayList<>(probs.keySet()), "attention layers in call order");
      for (String layer : golden) {
        Golden.assertClose(kind + " attn_probs." + layer, Golden.load(m, g, "attn_probs." + layer),
            probs.get(layer), 1e-5, 0);
      }
      if (kind.equals("sd1")) {
        for (String k : g.keys()) {
          if (k.startsWith("inter.")) {
            String name = k.substring("inter.".length());
            assertTrue(inter.containsKey(name), "intermediate " + name + " is tapped");
            Golden.assertClose(kind + " " + k, Golden.load(m, g, k), inter.get(name), 1e-4, 1e-4);
          }
        }
      }

      NDArray tVec = Golden.load(m, g, "timestep_vector");
      NDArray outVec = unet.forward(sample, tVec, ctx, null);
      Golden.assertClose(kind + " out_t_vector", Golden.load(m, g, "out_t_vector"), outVec, 1e-4,
          1e-4);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 7, 9})
  void oddLatentSizesRunAndKeepTheirSize(int size) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      UNet2DConditionModel unet = load("tiny-sd", m);
      NDArray sample = m.randomNormal(new Shape(1, 4, size, size + 2));
      NDArray ctx = m.randomNormal(new Shape(1, 77, 32));
      NDArray out = unet.forward(sample, m.create(500f), ctx, null);
      assertEquals(new Shape(1, 4, size, size + 2), out.getShape());
      assertTrue(Float.isFinite(out.sum().getFloat()));
    }
  }
}
