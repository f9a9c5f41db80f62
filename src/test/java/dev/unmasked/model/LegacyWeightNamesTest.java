package dev.unmasked.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LegacyWeightNamesTest {
  @Test
  void vaeAttentionNamesMapToTheirLegacyForms() {
    String[][] pairs = {
      {"encoder.mid_block.attentions.0.to_q.weight", "encoder.mid_block.attentions.0.query.weight"},
      {"encoder.mid_block.attentions.0.to_q.bias", "encoder.mid_block.attentions.0.query.bias"},
      {"decoder.mid_block.attentions.0.to_k.weight", "decoder.mid_block.attentions.0.key.weight"},
      {"decoder.mid_block.attentions.0.to_v.bias", "decoder.mid_block.attentions.0.value.bias"},
      {"decoder.mid_block.attentions.0.to_out.0.weight", "decoder.mid_block.attentions.0.proj_attn.weight"},
      {"vae.encoder.mid_block.attentions.0.to_out.0.bias", "vae.encoder.mid_block.attentions.0.proj_attn.bias"},
    };
    for (String[] p : pairs) {
      assertEquals(List.of(p[1]), LegacyWeightNames.alternatives(p[0]), p[0]);
    }
  }

  @Test
  void otherNamesHaveNoAlternatives() {
    for (String k :
        List.of(
            "decoder.mid_block.attentions.0.group_norm.weight",
            "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", // UNet: never legacy
            "text_model.encoder.layers.0.self_attn.k_proj.weight",
            "encoder.mid_block.attentions.0.to_out.1.weight",
            "encoder.mid_block.attentions.0.to_qq.weight")) {
      assertEquals(List.of(), LegacyWeightNames.alternatives(k), k);
    }
  }

  @Test
  void positionIdsAreIgnored() {
    assertTrue(LegacyWeightNames.isIgnored("text_model.embeddings.position_ids"));
    assertTrue(LegacyWeightNames.isIgnored("text_encoder.text_model.embeddings.position_ids"));
    assertFalse(LegacyWeightNames.isIgnored("text_model.embeddings.position_embedding.weight"));
    assertFalse(LegacyWeightNames.isIgnored("xtext_model.embeddings.position_ids"));
  }

  @Test
  void oneByOneConvAttentionWeightsSqueeze() {
    long[] conv = {64, 64, 1, 1};
    long[] linear = {64, 64};
    assertTrue(LegacyWeightNames.squeezes("decoder.mid_block.attentions.0.to_q.weight", conv, linear));
    assertTrue(LegacyWeightNames.squeezes("decoder.mid_block.attentions.0.proj_attn.weight", conv, linear));
    assertFalse(LegacyWeightNames.squeezes("decoder.mid_block.attentions.0.to_q.bias", conv, linear));
    assertFalse(LegacyWeightNames.squeezes("decoder.conv_in.weight", conv, linear));
    assertFalse(
        LegacyWeightNames.squeezes("decoder.mid_block.attentions.0.to_q.weight", conv, new long[] {64, 32}));
    assertFalse(
        LegacyWeightNames.squeezes(
            "decoder.mid_block.attentions.0.to_q.weight", new long[] {64, 64, 3, 3}, linear));
  }
}
