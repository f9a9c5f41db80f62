package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.SafetensorsFile;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Literal LDM / diffusers key pairs for the UNet table, in both directions. */
class UnetKeysTest {

  /** Real SD 1.x / 2.x: 4 levels, 2 resnets each, attention everywhere except the lowest level. */
  static final UnetKeys.Layout SD =
      new UnetKeys.Layout(4, 2, List.of(true, true, true, false), List.of(false, true, true, true));

  /** tiny-sd2: 2 levels, 1 resnet per down level. */
  static final UnetKeys.Layout TINY_SD2 =
      new UnetKeys.Layout(2, 1, List.of(true, false), List.of(false, true));

  @ParameterizedTest
  @CsvSource({
    "time_embed.0.weight, time_embedding.linear_1.weight",
    "time_embed.2.bias, time_embedding.linear_2.bias",
    "input_blocks.0.0.weight, conv_in.weight",
    "input_blocks.1.0.in_layers.0.weight, down_blocks.0.resnets.0.norm1.weight",
    "input_blocks.1.0.in_layers.2.weight, down_blocks.0.resnets.0.conv1.weight",
    "input_blocks.2.0.emb_layers.1.bias, down_blocks.0.resnets.1.time_emb_proj.bias",
    "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight, down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight",
    "input_blocks.2.1.proj_in.weight, down_blocks.0.attentions.1.proj_in.weight",
    "input_blocks.3.0.op.weight, down_blocks.0.downsamplers.0.conv.weight",
    "input_blocks.4.0.skip_connection.weight, down_blocks.1.resnets.0.conv_shortcut.weight",
    "input_blocks.9.0.op.bias, down_blocks.2.downsamplers.0.conv.bias",
    "input_blocks.11.0.out_layers.3.bias, down_blocks.3.resnets.1.conv2.bias",
    "middle_block.0.out_layers.0.weight, mid_block.resnets.0.norm2.weight",
    "middle_block.1.transformer_blocks.0.norm3.weight, mid_block.attentions.0.transformer_blocks.0.norm3.weight",
    "middle_block.2.emb_layers.1.weight, mid_block.resnets.1.time_emb_proj.weight",
    "output_blocks.2.1.conv.weight, up_blocks.0.upsamplers.0.conv.weight",
    "output_blocks.3.0.in_layers.2.weight, up_blocks.1.resnets.0.conv1.weight",
    "output_blocks.5.2.conv.bias, up_blocks.1.upsamplers.0.conv.bias",
    "output_blocks.8.2.conv.weight, up_blocks.2.upsamplers.0.conv.weight",
    "output_blocks.11.0.skip_connection.weight, up_blocks.3.resnets.2.conv_shortcut.weight",
    "output_blocks.11.1.transformer_blocks.0.ff.net.0.proj.weight, up_blocks.3.attentions.2.transformer_blocks.0.ff.net.0.proj.weight",
    "output_blocks.6.1.transformer_blocks.0.attn1.to_out.0.bias, up_blocks.2.attentions.0.transformer_blocks.0.attn1.to_out.0.bias",
    "out.0.weight, conv_norm_out.weight",
    "out.2.bias, conv_out.bias",
  })
  void realSdPairs(String ldm, String diffusers) {
    assertPair(UnetKeys.table(SD), UnetKeys.PREFIX + ldm, diffusers);
  }

  @ParameterizedTest
  @CsvSource({
    "input_blocks.1.0.in_layers.0.weight, down_blocks.0.resnets.0.norm1.weight",
    "input_blocks.1.1.proj_out.weight, down_blocks.0.attentions.0.proj_out.weight",
    "input_blocks.2.0.op.weight, down_blocks.0.downsamplers.0.conv.weight",
    "input_blocks.3.0.skip_connection.bias, down_blocks.1.resnets.0.conv_shortcut.bias",
    "output_blocks.0.0.in_layers.0.bias, up_blocks.0.resnets.0.norm1.bias",
    "output_blocks.1.1.conv.weight, up_blocks.0.upsamplers.0.conv.weight",
    "output_blocks.2.1.transformer_blocks.0.attn2.to_v.weight, up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v.weight",
    "output_blocks.3.0.out_layers.3.weight, up_blocks.1.resnets.1.conv2.weight",
    "output_blocks.3.1.norm.bias, up_blocks.1.attentions.1.norm.bias",
  })
  void tinySd2Pairs(String ldm, String diffusers) {
    assertPair(UnetKeys.table(TINY_SD2), UnetKeys.PREFIX + ldm, diffusers);
  }

  static void assertPair(KeyTable t, String ldm, String diffusers) {
    List<MappedKey> forward = t.toDiffusers(ldm);
    assertEquals(1, forward.size(), ldm + " -> " + forward);
    assertEquals(diffusers, forward.get(0).diffusers());
    MappedKey back = t.toLdm(diffusers).orElseThrow(() -> new AssertionError("no inverse for " + diffusers));
    assertEquals(ldm, back.ldm());
    assertEquals(forward.get(0).transform(), back.transform());
  }

  @ParameterizedTest
  @CsvSource({
    "input_blocks.12.0.in_layers.0.weight", // past the last level
    "input_blocks.10.1.norm.weight", // the lowest level has no attention
    "output_blocks.11.2.conv.weight", // the last up level has no upsampler
    "input_blocks.1.0.in_layers.1.weight", // not a parameter position
    "label_emb.0.0.weight", // SDXL class embedding
    "input_blocks.1.1.norm_x.weight",
  })
  void unknownKeysMapToNothing(String ldm) {
    assertEquals(List.of(), UnetKeys.table(SD).toDiffusers(UnetKeys.PREFIX + ldm));
  }

  @Test
  void layoutIsReadFromLdmNamesOfTheTinyFixtures() throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(TestFiles.interop("tiny-sd-single.safetensors"))) {
      assertEquals(new UnetKeys.Layout(2, 2, List.of(true, false), List.of(false, true)),
          UnetKeys.Layout.fromLdmKeys(f.keys()));
    }
    try (SafetensorsFile f = SafetensorsFile.open(TestFiles.interop("tiny-sd2-single.safetensors"))) {
      assertEquals(TINY_SD2, UnetKeys.Layout.fromLdmKeys(f.keys()));
    }
  }

  @Test
  void everyDiffusersKeyOfTheFolderRoundTrips() throws Exception {
    for (String folder : List.of("tiny-sd", "tiny-sd2")) {
      try (SafetensorsFile f =
          SafetensorsFile.open(TestFiles.golden(folder).resolve("unet/diffusion_pytorch_model.safetensors"))) {
        KeyTable t = UnetKeys.table(UnetKeys.Layout.fromDiffusersKeys(f.keys()));
        for (String k : f.keys()) {
          MappedKey ldm = t.toLdm(k).orElseThrow(() -> new AssertionError(folder + ": " + k));
          assertTrue(ldm.ldm().startsWith(UnetKeys.PREFIX), ldm.ldm());
          assertEquals(List.of(new MappedKey(k, ldm.ldm(), Transform.IDENTITY)), t.toDiffusers(ldm.ldm()));
        }
      }
    }
  }

  @Test
  void unevenInputBlocksAreRefused() {
    IllegalArgumentException uneven = assertThrows(IllegalArgumentException.class,
        () -> UnetKeys.Layout.fromLdmKeys(List.of(
            UnetKeys.PREFIX + "input_blocks.1.0.in_layers.0.weight",
            UnetKeys.PREFIX + "input_blocks.2.0.in_layers.0.weight",
            UnetKeys.PREFIX + "input_blocks.3.0.op.weight",
            UnetKeys.PREFIX + "input_blocks.4.0.in_layers.0.weight")));
    assertTrue(uneven.getMessage().contains("input_blocks [1, 2, 3, 4]"), uneven.getMessage());
    IllegalArgumentException misplaced = assertThrows(IllegalArgumentException.class,
        () -> UnetKeys.Layout.fromLdmKeys(List.of(
            UnetKeys.PREFIX + "input_blocks.1.0.in_layers.0.weight",
            UnetKeys.PREFIX + "input_blocks.2.0.in_layers.0.weight",
            UnetKeys.PREFIX + "input_blocks.3.0.op.weight")));
    assertTrue(misplaced.getMessage().contains("expected a downsampler at input_blocks.2.0.op"),
        misplaced.getMessage());
  }
}
