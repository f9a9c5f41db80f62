package dev.unmasked.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.adapters.LoraKeys.Parsed;
import dev.unmasked.adapters.LoraKeys.Part;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Literal key pairs: file key -> (module path, part, naming), and module path -> file key. */
class LoraKeysTest {

  @ParameterizedTest
  @CsvSource({
      // kohya, UNet
      "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight,"
          + "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q, DOWN, KOHYA",
      "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0.lora_up.weight,"
          + "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0, UP, KOHYA",
      "lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k.alpha,"
          + "unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k, ALPHA, KOHYA",
      "lora_unet_up_blocks_1_attentions_2_proj_in.lora_down.weight,"
          + "unet.up_blocks.1.attentions.2.proj_in, DOWN, KOHYA",
      "lora_unet_up_blocks_1_attentions_2_transformer_blocks_0_ff_net_0_proj.lora_down.weight,"
          + "unet.up_blocks.1.attentions.2.transformer_blocks.0.ff.net.0.proj, DOWN, KOHYA",
      "lora_unet_down_blocks_1_resnets_0_time_emb_proj.lora_down.weight,"
          + "unet.down_blocks.1.resnets.0.time_emb_proj, DOWN, KOHYA",
      "lora_unet_down_blocks_1_resnets_0_conv_shortcut.lora_up.weight,"
          + "unet.down_blocks.1.resnets.0.conv_shortcut, UP, KOHYA",
      "lora_unet_down_blocks_0_downsamplers_0_conv.lora_down.weight,"
          + "unet.down_blocks.0.downsamplers.0.conv, DOWN, KOHYA",
      "lora_unet_time_embedding_linear_1.lora_down.weight,"
          + "unet.time_embedding.linear_1, DOWN, KOHYA",
      // kohya, text encoder (SD 1.x/2.x and SDXL prefixes)
      "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight,"
          + "text_encoder.text_model.encoder.layers.0.self_attn.q_proj, DOWN, KOHYA",
      "lora_te_text_model_encoder_layers_11_self_attn_out_proj.alpha,"
          + "text_encoder.text_model.encoder.layers.11.self_attn.out_proj, ALPHA, KOHYA",
      "lora_te_text_model_encoder_layers_3_mlp_fc1.lora_up.weight,"
          + "text_encoder.text_model.encoder.layers.3.mlp.fc1, UP, KOHYA",
      "lora_te1_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight,"
          + "text_encoder.text_model.encoder.layers.0.self_attn.k_proj, DOWN, KOHYA",
      "lora_te2_text_model_encoder_layers_0_self_attn_v_proj.lora_down.weight,"
          + "text_encoder_2.text_model.encoder.layers.0.self_attn.v_proj, DOWN, KOHYA",
      // diffusers
      "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora.down.weight,"
          + "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q, DOWN, DIFFUSERS",
      "unet.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_out.0.lora.up.weight,"
          + "unet.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_out.0, UP, DIFFUSERS",
      "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.down.weight,"
          + "text_encoder.text_model.encoder.layers.0.self_attn.q_proj, DOWN, DIFFUSERS",
      "unet.mid_block.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight,"
          + "unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0, UP, DIFFUSERS",
      "text_encoder.text_model.encoder.layers.2.self_attn.to_k_lora.down.weight,"
          + "text_encoder.text_model.encoder.layers.2.self_attn.k_proj, DOWN, DIFFUSERS",
      "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.alpha,"
          + "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q, ALPHA, DIFFUSERS",
      // PEFT
      "unet.down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_v.lora_A.weight,"
          + "unet.down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_v, DOWN, PEFT",
      "unet.down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_out.0.lora_B.weight,"
          + "unet.down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_out.0, UP, PEFT",
      "text_encoder.text_model.encoder.layers.0.mlp.fc2.lora_B.weight,"
          + "text_encoder.text_model.encoder.layers.0.mlp.fc2, UP, PEFT"})
  void readsKeys(String key, String path, Part part, LoraFormat format) {
    assertEquals(new Parsed(path, part, format), LoraKeys.parse(key).orElseThrow(), key);
  }

  @ParameterizedTest
  @CsvSource({
      "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0, DOWN, false,"
          + "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0.lora_down.weight",
      "unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_q, ALPHA, false,"
          + "lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_q.alpha",
      "text_encoder.text_model.encoder.layers.0.self_attn.q_proj, UP, false,"
          + "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight",
      "text_encoder.text_model.encoder.layers.0.self_attn.q_proj, UP, true,"
          + "lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"})
  void writesKohyaKeys(String path, Part part, boolean sdxl, String key) {
    assertEquals(key, LoraKeys.kohyaKey(path, part, sdxl));
    assertEquals(path, LoraKeys.parse(key).orElseThrow().path(), "and reads it back");
  }

  @Test
  void writesDiffusersAndPeftKeys() {
    String unet = "unet.up_blocks.1.attentions.2.transformer_blocks.0.attn1.to_out.0";
    assertEquals(unet + ".lora.down.weight", LoraKeys.diffusersKey(unet, Part.DOWN));
    assertEquals(unet + ".lora.up.weight", LoraKeys.diffusersKey(unet, Part.UP));
    String te = "text_encoder.text_model.encoder.layers.1.self_attn.v_proj";
    assertEquals(te + ".lora_linear_layer.up.weight", LoraKeys.diffusersKey(te, Part.UP));
    assertEquals(unet + ".lora_A.weight", LoraKeys.peftKey(unet, Part.DOWN));
    assertEquals(unet + ".lora_B.weight", LoraKeys.peftKey(unet, Part.UP));
  }

  @Test
  void unknownKeysAreNotGuessed() {
    assertTrue(LoraKeys.parse("lora_unet_down_blocks_0_hada_w1_a").isEmpty());
    assertTrue(LoraKeys.parse("model.diffusion_model.input_blocks.0.0.weight").isEmpty());
    assertTrue(LoraKeys.parse("vae.decoder.conv_in.lora_A.weight").isEmpty());
  }
}
