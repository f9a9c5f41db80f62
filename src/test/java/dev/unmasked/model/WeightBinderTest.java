package dev.unmasked.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.MapTensorSource;
import dev.unmasked.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WeightBinderTest {
  private static MapTensorSource small() {
    return new MapTensorSource("test.safetensors")
        .put("unet.conv_in.weight", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
        .put("unet.conv_in.bias", new float[] {7, 8}, 2)
        .put("unet.down_blocks.0.resnets.0.conv1.weight", new float[] {9}, 1, 1)
        .put("vae.decoder.conv_in.weight", new float[] {0}, 1);
  }

  @Test
  void takesByPrefixAndReportsUnused() {
    WeightBinder b = new WeightBinder(small(), "unet.");
    assertTrue(b.has("conv_in.weight"));
    assertArrayEquals(new long[] {2, 3}, b.shape("conv_in.weight"));
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, b.take("conv_in.weight", 2, 3));
    WeightBinder block = b.child("down_blocks.0.resnets.0.");
    assertEquals("unet.down_blocks.0.resnets.0.", block.prefix());
    assertArrayEquals(new float[] {9}, block.take("conv1.weight", 1, 1));
    block.finish(); // everything under the child's prefix was taken
    assertEquals(Set.of("unet.conv_in.bias"), b.unusedKeys()); // vae.* is outside the prefix
    WeightLoadException e = assertThrows(WeightLoadException.class, b::finish);
    assertTrue(
        e.getMessage().startsWith("1 weight(s) in test.safetensors under 'unet.'")
            && e.getMessage().contains("unet.conv_in.bias"),
        e.getMessage());
    b.take("conv_in.bias", 2);
    b.finish();
  }

  @Test
  void missingKeyNamesKeyAndClosestMatch() {
    WeightBinder b = new WeightBinder(small(), "unet.");
    WeightLoadException e =
        assertThrows(WeightLoadException.class, () -> b.take("down_blocks.0.resnets.1.conv1.weight", 1, 1));
    assertTrue(
        e.getMessage().contains("missing weight 'unet.down_blocks.0.resnets.1.conv1.weight'")
            && e.getMessage().contains("test.safetensors")
            && e.getMessage().contains("closest existing key: 'unet.down_blocks.0.resnets.0.conv1.weight'"),
        e.getMessage());
    WeightLoadException none =
        assertThrows(WeightLoadException.class, () -> new WeightBinder(small(), "text_encoder.").take("x", 1));
    assertTrue(none.getMessage().contains("no key starts with 'text_encoder.'"), none.getMessage());
    WeightLoadException typo =
        assertThrows(WeightLoadException.class, () -> b.take("conv_in.weigth", 2, 3));
    assertTrue(typo.getMessage().contains("closest existing key: 'unet.conv_in.weight'"), typo.getMessage());
    WeightLoadException far =
        assertThrows(WeightLoadException.class, () -> b.take("time_embedding.linear_1.bias", 1));
    assertFalse(far.getMessage().contains("closest"), far.getMessage());
  }

  @Test
  void misShapedTensorNamesBothShapes() {
    WeightBinder b = new WeightBinder(small(), "unet.");
    WeightLoadException e =
        assertThrows(WeightLoadException.class, () -> b.take("conv_in.weight", 3, 2));
    assertTrue(
        e.getMessage().contains("'unet.conv_in.weight'")
            && e.getMessage().contains("[2, 3]")
            && e.getMessage().contains("[3, 2]"),
        e.getMessage());
    assertTrue(b.unusedKeys().contains("unet.conv_in.weight")); // a refused tensor is not used
  }

  @Test
  void legacyVaeAttentionIsReadUnderCurrentNames() {
    int c = 4;
    float[] q = new float[c * c];
    for (int i = 0; i < q.length; i++) q[i] = i;
    MapTensorSource legacy =
        new MapTensorSource("legacy-vae.safetensors")
            .put("decoder.mid_block.attentions.0.query.weight", q, c, c, 1, 1)
            .put("decoder.mid_block.attentions.0.query.bias", new float[c], c)
            .put("decoder.mid_block.attentions.0.key.weight", q, c, c)
            .put("decoder.mid_block.attentions.0.value.weight", q, c, c)
            .put("decoder.mid_block.attentions.0.proj_attn.weight", q, c, c, 1, 1)
            .put("decoder.mid_block.attentions.0.group_norm.weight", new float[c], c)
            .put("text_model.embeddings.position_ids", new float[77], 1, 77);
    WeightBinder root = new WeightBinder(legacy);
    WeightBinder b = root.child("decoder.mid_block.attentions.0.");
    assertArrayEquals(q, b.take("to_q.weight", c, c)); // [4,4,1,1] squeezed
    assertArrayEquals(new float[c], b.take("to_q.bias", c));
    assertArrayEquals(q, b.take("to_k.weight", c, c));
    assertArrayEquals(q, b.take("to_v.weight", c, c));
    assertArrayEquals(q, b.take("to_out.0.weight", c, c));
    b.take("group_norm.weight", c);
    root.finish(); // position_ids is ignored; every legacy key counts as used
    assertThrows(WeightLoadException.class, () -> b.take("to_q.weight", c, c, 1)); // 3-D never squeezes
  }

  /** Binding every tensor of the real tiny VAE by name and shape leaves nothing unused. */
  @Test
  void bindsTinySdVaeCompletely() throws IOException {
    try (SafetensorsFile f =
        SafetensorsFile.open(
            Paths.get("src/test/resources/golden/tiny-sd/vae/diffusion_pytorch_model.safetensors"))) {
      WeightBinder b = new WeightBinder(f);
      WeightBinder enc = b.child("encoder.");
      assertEquals(32 * 3 * 3 * 3, enc.take("conv_in.weight", 32, 3, 3, 3).length);
      WeightLoadException e = assertThrows(WeightLoadException.class, b::finish);
      assertTrue(e.getMessage().contains("... and "), e.getMessage()); // long lists are cut at 10
      for (String k : f.keys()) {
        b.take(k, f.info(k).shape());
      }
      b.finish();
    }
  }
}
