package dev.unmasked.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.unmasked.UserError;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.pipeline.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraFilesTest {
  @TempDir Path tmp;

  private void assertSameBytes(Path want, Path got) throws Exception {
    assertArrayEquals(Files.readAllBytes(want), Files.readAllBytes(got), got + " vs " + want);
  }

  @Test
  void readsTheThreeNamingsIntoTheSameUpdate() {
    LoraWeights kohya = LoraFiles.read(Interop.lora("lora_kohya.safetensors"));
    LoraWeights diffusers = LoraFiles.read(Interop.lora("pytorch_lora_weights.safetensors"));
    LoraWeights peft = LoraFiles.read(Interop.lora("lora_peft.safetensors"));
    assertEquals(LoraFormat.KOHYA, kohya.format());
    assertEquals(LoraFormat.DIFFUSERS, diffusers.format());
    assertEquals(LoraFormat.PEFT, peft.format());
    assertEquals(kohya.modules().keySet(), diffusers.modules().keySet());
    assertEquals(kohya.modules().keySet(), peft.modules().keySet());
    for (String path : kohya.modules().keySet()) {
      LoraModule k = kohya.modules().get(path);
      LoraModule d = diffusers.modules().get(path);
      LoraModule p = peft.modules().get(path);
      assertEquals(4, k.rank());
      assertEquals(2.0f, k.alpha());
      assertEquals(4.0f, d.alpha(), "no alpha in the file: alpha = rank");
      assertArrayEquals(k.down(), d.down(), path);
      assertArrayEquals(k.foldedUp(), d.up(), path + ": up is folded by alpha/rank = 0.5");
      assertArrayEquals(d.down(), p.down(), path);
      assertArrayEquals(d.up(), p.up(), path);
    }
  }

  @Test
  void writingThenReadingRoundTripsExactlyAndReproducesTheFixtures() throws Exception {
    Path kohyaFixture = Interop.lora("lora_kohya.safetensors");
    Path diffusersFixture = Interop.lora("pytorch_lora_weights.safetensors");
    Path peftFixture = Interop.lora("lora_peft.safetensors");
    LoraWeights kohya = LoraFiles.read(kohyaFixture);

    Path k = tmp.resolve("k.safetensors");
    LoraFiles.writeKohya(k, kohya, "sd_v1");
    assertSameBytes(kohyaFixture, k);
    try (SafetensorsFile f = SafetensorsFile.open(k)) {
      assertEquals(Map.of("ss_network_module", "networks.lora", "ss_network_dim", "4",
          "ss_network_alpha", "2.0", "ss_base_model_version", "sd_v1"), f.metadata());
      assertEquals(0, f.info("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_q"
          + ".alpha").shape().length, "alpha is 0-d, as kohya writes it");
    }

    Path d = tmp.resolve("d.safetensors");
    LoraFiles.writeDiffusers(d, kohya);
    assertSameBytes(diffusersFixture, d);
    Path p = tmp.resolve("p.safetensors");
    LoraFiles.writePeft(p, kohya);
    assertSameBytes(peftFixture, p);

    // each naming read and written back in its own naming
    Path d2 = tmp.resolve("d2.safetensors");
    LoraFiles.write(d2, LoraFiles.read(diffusersFixture), LoraFormat.DIFFUSERS, null);
    assertSameBytes(diffusersFixture, d2);
    Path p2 = tmp.resolve("p2.safetensors");
    LoraFiles.write(p2, LoraFiles.read(peftFixture), LoraFormat.PEFT, null);
    assertSameBytes(peftFixture, p2);
    Path d3 = tmp.resolve("d3.safetensors");
    LoraFiles.writeDiffusers(d3, LoraFiles.read(peftFixture));
    assertSameBytes(diffusersFixture, d3);

    LoraWeights back = LoraFiles.read(k);
    for (LoraModule m : kohya.modules().values()) {
      LoraModule b = back.modules().get(m.path());
      assertArrayEquals(m.down(), b.down());
      assertArrayEquals(m.up(), b.up());
      assertArrayEquals(m.upShape(), b.upShape());
      assertEquals(m.alpha(), b.alpha());
    }
  }

  @Test
  void textEncoderAndConvModulesRoundTripAndMerge() throws Exception {
    String te = "text_encoder.text_model.encoder.layers.0.self_attn.q_proj";
    String conv = "unet.down_blocks.0.attentions.0.proj_in"; // a 1x1 conv [32, 32, 1, 1] in tiny-sd
    float[] down = new float[2 * 32];
    float[] up = new float[32 * 2];
    for (int i = 0; i < down.length; i++) {
      down[i] = (i % 7) * 0.01f;
      up[i] = (i % 5) * 0.02f;
    }
    LoraWeights w = LoraWeights.of("memory", List.of(
        new LoraModule(te, down, new long[] {2, 32}, up, new long[] {32, 2}, 1f, "te"),
        new LoraModule(conv, down, new long[] {2, 32, 1, 1}, up, new long[] {32, 2, 1, 1}, 2f,
            "conv")));
    for (LoraFormat format : LoraFormat.values()) {
      Path f = tmp.resolve(format + ".safetensors");
      LoraFiles.write(f, w, format, "sd_v1");
      LoraWeights back = LoraFiles.read(f);
      assertEquals(w.modules().keySet(), back.modules().keySet(), format.toString());
      assertArrayEquals(new long[] {32, 2, 1, 1}, back.modules().get(conv).upShape());
    }
    try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("KOHYA.safetensors"))) {
      assertTrue(f.contains("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight"));
      assertEquals("Dynamic", f.metadata().get("ss_network_alpha"), "alphas differ");
    }
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = Interop.tinySd(m);
      NDArray q = lm.textEncoder().parameters().get("text_model.encoder.layers.0.self_attn.q_proj"
          + ".weight");
      NDArray c = lm.unet().parameters().get("down_blocks.0.attentions.0.proj_in.weight");
      float[] q0 = q.toFloatArray();
      float[] c0 = c.toFloatArray();
      Lora.merge(lm, w, 2.0);
      float[] q1 = q.toFloatArray();
      float[] c1 = c.toFloatArray();
      // element [o, i] gains scale * alpha/rank * sum_r up[o, r] down[r, i]
      for (int o = 0; o < 32; o += 5) {
        for (int i = 0; i < 32; i += 3) {
          double s = 0;
          for (int r = 0; r < 2; r++) {
            s += up[o * 2 + r] * down[r * 32 + i];
          }
          assertEquals(q0[o * 32 + i] + 2.0 * 0.5 * s, q1[o * 32 + i], 1e-6);
          assertEquals(c0[o * 32 + i] + 2.0 * 1.0 * s, c1[o * 32 + i], 1e-6);
        }
      }
    }
  }

  @Test
  void aTargetTheModelLacksIsAnErrorNamingTheKeyAndNothingChanges() throws Exception {
    Path file = tmp.resolve("other.safetensors");
    String missing = "lora_unet_down_blocks_3_attentions_0_transformer_blocks_0_attn1_to_q";
    String present = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    new SafetensorsWriter()
        .putF32(present + ".lora_down.weight", new float[4 * 32], 4, 32)
        .putF32(present + ".lora_up.weight", filled(32 * 4, 1f), 32, 4)
        .putF32(missing + ".lora_down.weight", new float[4 * 32], 4, 32)
        .putF32(missing + ".lora_up.weight", new float[32 * 4], 32, 4)
        .write(file);
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = Interop.tinySd(m);
      NDArray w = lm.unet().parameters()
          .get("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight");
      float[] before = w.toFloatArray();
      UserError e = assertThrows(UserError.class,
          () -> Lora.merge(lm, List.of(file), 1.0));
      assertTrue(e.getMessage().contains(missing + ".lora_down.weight")
          && e.getMessage().contains("down_blocks.3.attentions.0.transformer_blocks.0.attn1.to_q"
              + ".weight")
          && e.getMessage().contains(file.toString()), e.getMessage());
      assertArrayEquals(before, w.toFloatArray(), "no weight was changed");
      assertThrows(UserError.class,
          () -> Lora.merge(lm, List.of(Interop.lora("lora_kohya.safetensors"), file), 1.0));
      assertArrayEquals(before, w.toFloatArray(), "a good LoRA before a bad one is not merged");

      Path wrongShape = tmp.resolve("shape.safetensors");
      new SafetensorsWriter()
          .putF32(present + ".lora_down.weight", new float[4 * 64], 4, 64)
          .putF32(present + ".lora_up.weight", new float[32 * 4], 32, 4).write(wrongShape);
      UserError s = assertThrows(UserError.class, () -> Lora.merge(lm, List.of(wrongShape), 1.0));
      assertTrue(s.getMessage().contains("[4, 64]") && s.getMessage().contains("[32, 32]"),
          s.getMessage());
    }
  }

  @Test
  void unknownOrIncompleteFilesAreRefused() throws Exception {
    Path loha = tmp.resolve("loha.safetensors");
    new SafetensorsWriter().putF32("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a",
        new float[4], 2, 2).write(loha);
    UserError e = assertThrows(UserError.class, () -> LoraFiles.read(loha));
    assertTrue(e.getMessage().contains("hada_w1_a") && e.getMessage().contains("LoHa"),
        e.getMessage());

    Path half = tmp.resolve("half.safetensors");
    new SafetensorsWriter().putF32("unet.mid_block.attentions.0.proj_in.lora.down.weight",
        new float[4], 1, 4).write(half);
    UserError h = assertThrows(UserError.class, () -> LoraFiles.read(half));
    assertTrue(h.getMessage().contains("no up weight"), h.getMessage());

    Path sdxl = tmp.resolve("xl.safetensors");
    new SafetensorsWriter().putF32("lora_unet_input_blocks_4_1_proj_in.lora_down.weight",
        new float[4], 1, 4).write(sdxl);
    UserError x = assertThrows(UserError.class, () -> LoraFiles.read(sdxl));
    assertTrue(x.getMessage().contains("LDM"), x.getMessage());
  }

  private static float[] filled(int n, float v) {
    float[] f = new float[n];
    java.util.Arrays.fill(f, v);
    return f;
  }
}
