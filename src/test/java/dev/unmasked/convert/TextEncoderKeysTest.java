package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Literal key pairs for the text-encoder tables (OpenCLIP for SD 2.x, transformers for SD 1.x). */
class TextEncoderKeysTest {

  @ParameterizedTest
  @CsvSource({
    "token_embedding.weight, text_model.embeddings.token_embedding.weight",
    "positional_embedding, text_model.embeddings.position_embedding.weight",
    "ln_final.weight, text_model.final_layer_norm.weight",
    "ln_final.bias, text_model.final_layer_norm.bias",
    "transformer.resblocks.0.ln_1.weight, text_model.encoder.layers.0.layer_norm1.weight",
    "transformer.resblocks.7.ln_2.bias, text_model.encoder.layers.7.layer_norm2.bias",
    "transformer.resblocks.22.mlp.c_fc.weight, text_model.encoder.layers.22.mlp.fc1.weight",
    "transformer.resblocks.1.mlp.c_proj.bias, text_model.encoder.layers.1.mlp.fc2.bias",
    "transformer.resblocks.10.attn.out_proj.weight, text_model.encoder.layers.10.self_attn.out_proj.weight",
    "transformer.resblocks.11.attn.out_proj.bias, text_model.encoder.layers.11.self_attn.out_proj.bias",
  })
  void openClipPairs(String ldm, String diffusers) {
    UnetKeysTest.assertPair(TextEncoderKeys.openClip(23), TextEncoderKeys.OPENCLIP_PREFIX + ldm, diffusers);
  }

  @Test
  void fusedInProjectionSplitsIntoThirds() {
    KeyTable t = TextEncoderKeys.openClip(23);
    String w = TextEncoderKeys.OPENCLIP_PREFIX + "transformer.resblocks.3.attn.in_proj_weight";
    String b = TextEncoderKeys.OPENCLIP_PREFIX + "transformer.resblocks.3.attn.in_proj_bias";
    String l = "text_model.encoder.layers.3.self_attn.";
    assertEquals(List.of(new MappedKey(l + "q_proj.weight", w, Transform.THIRD_Q),
        new MappedKey(l + "k_proj.weight", w, Transform.THIRD_K),
        new MappedKey(l + "v_proj.weight", w, Transform.THIRD_V)), t.toDiffusers(w));
    assertEquals(List.of(new MappedKey(l + "q_proj.bias", b, Transform.THIRD_Q),
        new MappedKey(l + "k_proj.bias", b, Transform.THIRD_K),
        new MappedKey(l + "v_proj.bias", b, Transform.THIRD_V)), t.toDiffusers(b));
    assertEquals(new MappedKey(l + "v_proj.bias", b, Transform.THIRD_V), t.toLdm(l + "v_proj.bias").orElseThrow());
  }

  @ParameterizedTest
  @CsvSource({
    "transformer.resblocks.23.ln_1.weight", // the 24th block of SD 2.x is never run
    "text_projection",
    "logit_scale",
    "positional_embedding.weight",
    "transformer.resblocks.0.attn.in_proj",
  })
  void keysOutsideTheTableMapToNothing(String ldm) {
    assertEquals(List.of(), TextEncoderKeys.openClip(23).toDiffusers(TextEncoderKeys.OPENCLIP_PREFIX + ldm));
  }

  @ParameterizedTest
  @CsvSource({
    "text_model.encoder.layers.11.self_attn.q_proj.weight",
    "text_model.embeddings.token_embedding.weight",
    "text_model.final_layer_norm.bias",
  })
  void sd1NamesPassThrough(String name) {
    UnetKeysTest.assertPair(TextEncoderKeys.sd1(), TextEncoderKeys.SD1_PREFIX + name, name);
  }

  @Test
  void sd1KeysWithoutTextModelAreNotGuessed() {
    assertEquals(List.of(), TextEncoderKeys.sd1().toDiffusers(TextEncoderKeys.SD1_PREFIX + "embeddings.x.weight"));
  }
}
