package dev.unmasked.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.testutil.Golden;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each LoRA fixture merged into tiny-sd's UNet reproduces lora_golden.safetensors. */
class LoraGoldenTest {

  static NDArray unetOut(NDManager m, LoadedModel lm, SafetensorsFile g) throws Exception {
    NDArray sample = Golden.load(m, g, "sample");
    NDArray ctx = Golden.load(m, g, "encoder_hidden_states");
    NDArray t = m.create(g.longs("timestep_scalar")[0]); // 0-d, as the golden call
    return lm.unet().forward(sample, t, ctx, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lora_kohya.safetensors", "pytorch_lora_weights.safetensors",
      "lora_peft.safetensors"})
  void mergedWeightsAndOutputMatchTheGolden(String file) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("interop/lora_golden.safetensors")) {
      LoraWeights lora = LoraFiles.read(Interop.lora(file));
      List<String> order = List.of(g.metadata().get("lora_modules")
          .replaceAll("[\\[\\]\" ]", "").split(","));
      assertEquals(48, lora.modules().size());
      assertEquals(new java.util.TreeSet<>(order.stream().map(s -> "unet." + s).toList()),
          lora.modules().keySet(), "the 48 modules of the golden");

      LoadedModel base = Interop.tinySd(m);
      Golden.assertClose(file + " no LoRA", Golden.load(m, g, "out_t_scalar_no_lora"),
          unetOut(m, base, g), 1e-4, 1e-4);

      LoadedModel lm = Interop.tinySd(m);
      Lora.merge(lm, lora, 1.0);
      Map<String, NDArray> p = lm.unet().parameters();
      double worstW = 0;
      for (String mod : order) {
        NDArray want = Golden.load(m, g, "merged_weight." + mod + ".weight");
        NDArray got = p.get(mod + ".weight");
        worstW = Math.max(worstW, Golden.maxAbsDiff(want, got));
        Golden.assertClose(file + " merged " + mod, want, got, 1e-6, 0);
      }
      NDArray out = unetOut(m, lm, g);
      NDArray want = Golden.load(m, g, "out_t_scalar");
      double dOut = Golden.maxAbsDiff(want, out);
      Golden.assertClose(file + " out_t_scalar", want, out, 1e-4, 1e-4);
      assertTrue(Golden.maxAbsDiff(want, Golden.load(m, g, "out_t_scalar_no_lora")) > 0.1,
          "the LoRA changes the output");

      LoadedModel half = Interop.tinySd(m);
      Lora.merge(half, lora, 0.5);
      NDArray outHalf = unetOut(m, half, g);
      NDArray wantHalf = Golden.load(m, g, "out_t_scalar_lora_scale_0.5");
      double dHalf = Golden.maxAbsDiff(wantHalf, outHalf);
      Golden.assertClose(file + " scale 0.5", wantHalf, outHalf, 1e-4, 1e-4);
      System.out.printf("[golden] lora %s: merged weights max |diff| %.3g, out_t_scalar %.3g, "
          + "scale 0.5 %.3g%n", file, worstW, dOut, dHalf);
    }
  }
}
