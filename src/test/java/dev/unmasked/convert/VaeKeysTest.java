package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.unmasked.io.SafetensorsFile;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Literal LDM / diffusers key pairs for the VAE table, in both directions. */
class VaeKeysTest {

  static final VaeKeys.Layout SD = new VaeKeys.Layout(4, 2);

  @ParameterizedTest
  @CsvSource({
    "encoder.conv_in.weight, encoder.conv_in.weight, IDENTITY",
    "encoder.down.0.block.0.norm1.weight, encoder.down_blocks.0.resnets.0.norm1.weight, IDENTITY",
    "encoder.down.1.block.0.nin_shortcut.weight, encoder.down_blocks.1.resnets.0.conv_shortcut.weight, IDENTITY",
    "encoder.down.2.downsample.conv.weight, encoder.down_blocks.2.downsamplers.0.conv.weight, IDENTITY",
    "encoder.mid.block_2.conv1.weight, encoder.mid_block.resnets.1.conv1.weight, IDENTITY",
    "encoder.mid.attn_1.q.weight, encoder.mid_block.attentions.0.to_q.weight, SQUEEZE_1X1",
    "encoder.mid.attn_1.k.bias, encoder.mid_block.attentions.0.to_k.bias, IDENTITY",
    "encoder.norm_out.weight, encoder.conv_norm_out.weight, IDENTITY",
    "quant_conv.weight, quant_conv.weight, IDENTITY",
    "post_quant_conv.bias, post_quant_conv.bias, IDENTITY",
    "decoder.up.3.block.0.conv1.weight, decoder.up_blocks.0.resnets.0.conv1.weight, IDENTITY",
    "decoder.up.0.block.2.conv2.bias, decoder.up_blocks.3.resnets.2.conv2.bias, IDENTITY",
    "decoder.up.1.block.0.nin_shortcut.bias, decoder.up_blocks.2.resnets.0.conv_shortcut.bias, IDENTITY",
    "decoder.up.1.upsample.conv.weight, decoder.up_blocks.2.upsamplers.0.conv.weight, IDENTITY",
    "decoder.up.3.upsample.conv.bias, decoder.up_blocks.0.upsamplers.0.conv.bias, IDENTITY",
    "decoder.mid.attn_1.norm.weight, decoder.mid_block.attentions.0.group_norm.weight, IDENTITY",
    "decoder.mid.attn_1.proj_out.weight, decoder.mid_block.attentions.0.to_out.0.weight, SQUEEZE_1X1",
    "decoder.mid.attn_1.proj_out.bias, decoder.mid_block.attentions.0.to_out.0.bias, IDENTITY",
  })
  void realSdPairs(String ldm, String diffusers, Transform transform) {
    KeyTable t = VaeKeys.table(SD);
    UnetKeysTest.assertPair(t, VaeKeys.PREFIX + ldm, diffusers);
    assertEquals(transform, t.toDiffusers(VaeKeys.PREFIX + ldm).get(0).transform());
  }

  @ParameterizedTest
  @CsvSource({
    "decoder.up.0.upsample.conv.weight", // the highest-resolution decoder level has no upsampler
    "encoder.down.3.downsample.conv.weight", // nor the lowest encoder level a downsampler
    "encoder.down.0.block.2.conv1.weight", // the encoder has 2 resnets per level, not 3
    "encoder.mid.attn_1.proj_out.weight.extra",
    "loss.discriminator.main.0.weight",
  })
  void unknownKeysMapToNothing(String ldm) {
    assertEquals(List.of(), VaeKeys.table(SD).toDiffusers(VaeKeys.PREFIX + ldm));
  }

  @Test
  void tinyFixtureLayoutAndReversedDecoder() throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(TestFiles.interop("tiny-sd-single.safetensors"))) {
      VaeKeys.Layout l = VaeKeys.Layout.fromLdmKeys(f.keys());
      assertEquals(new VaeKeys.Layout(2, 1), l);
      UnetKeysTest.assertPair(VaeKeys.table(l), VaeKeys.PREFIX + "decoder.up.1.upsample.conv.weight",
          "decoder.up_blocks.0.upsamplers.0.conv.weight");
    }
  }

  @Test
  void everyDiffusersKeyOfTheFolderRoundTrips() throws Exception {
    for (String folder : List.of("tiny-sd", "tiny-sd2")) {
      try (SafetensorsFile f =
          SafetensorsFile.open(TestFiles.golden(folder).resolve("vae/diffusion_pytorch_model.safetensors"))) {
        KeyTable t = VaeKeys.table(VaeKeys.Layout.fromDiffusersKeys(f.keys()));
        for (String k : f.keys()) {
          MappedKey ldm = t.toLdm(k).orElseThrow(() -> new AssertionError(folder + ": " + k));
          assertEquals(List.of(ldm), t.toDiffusers(ldm.ldm()));
        }
      }
    }
  }
}
