package dev.unmasked.model.clip;

import dev.unmasked.model.ConfigJson;

/** transformers {@code CLIPTextConfig}, JSON keys as in {@code text_encoder/config.json}. */
public record CLIPTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    String hiddenAct,
    double layerNormEps,
    int eosTokenId) {

  public static CLIPTextConfig from(ConfigJson c) {
    String act = c.getString("hidden_act", "quick_gelu");
    c.require(act.equals("quick_gelu") || act.equals("gelu"), "hidden_act", "quick_gelu, gelu");
    CLIPTextConfig cfg = new CLIPTextConfig(
        c.getInt("vocab_size", 49408),
        c.getInt("hidden_size", 512),
        c.getInt("intermediate_size", 2048),
        c.getInt("num_hidden_layers", 12),
        c.getInt("num_attention_heads", 8),
        c.getInt("max_position_embeddings", 77),
        act,
        c.getDouble("layer_norm_eps", 1e-5),
        c.getInt("eos_token_id", 2));
    c.require(cfg.hiddenSize % cfg.numAttentionHeads == 0, "num_attention_heads",
        "a divisor of hidden_size");
    return cfg;
  }
}
