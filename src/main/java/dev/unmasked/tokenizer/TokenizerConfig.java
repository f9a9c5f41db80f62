package dev.unmasked.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of {@code tokenizer_config.json}, with {@code special_tokens_map.json} overriding
 * the special tokens (the order of transformers' {@code from_pretrained}), plus declared added
 * tokens from {@code added_tokens_decoder} and {@code added_tokens.json}.
 *
 * @param modelMaxLength the padded length; 77 when the file does not set it (transformers would
 *     then use a huge "unset" value, useless for a CLIP text encoder of 77 positions)
 * @param bos the start token ({@code <|startoftext|>} by default)
 * @param eos the end token ({@code <|endoftext|>} by default)
 * @param unk the token for unknown pieces ({@code <|endoftext|>} by default)
 * @param pad the padding token; empty when the config sets {@code "pad_token": null}
 * @param additionalSpecial {@code additional_special_tokens}, in order
 * @param declared tokens with fixed ids from {@code added_tokens_decoder} (then {@code
 *     added_tokens.json}), in file order
 */
record TokenizerConfig(
    int modelMaxLength,
    SpecialToken bos,
    SpecialToken eos,
    SpecialToken unk,
    Optional<SpecialToken> pad,
    List<SpecialToken> additionalSpecial,
    List<AddedToken> declared) {

  /** CLIP's context length, used when the config does not give one. */
  static final int DEFAULT_MAX_LENGTH = 77;

  /** A special token as written in the config: a string or an AddedToken-style object. */
  record SpecialToken(String content, boolean lstrip, boolean rstrip, boolean singleWord) {
    static SpecialToken of(String content) {
      return new SpecialToken(content, false, false, false);
    }
  }

  /** The same settings with another pad token (transformers' {@code pad_token=...} argument). */
  TokenizerConfig withPad(String padToken) {
    return new TokenizerConfig(
        modelMaxLength,
        bos,
        eos,
        unk,
        Optional.of(SpecialToken.of(padToken)),
        additionalSpecial,
        declared);
  }

  static TokenizerConfig parse(
      String configFile,
      JsonObject config,
      JsonObject specialMap,
      String addedFile,
      JsonObject addedJson)
      throws TokenizerException {
    Map<String, JsonElement> merged = new LinkedHashMap<>();
    config.entrySet().forEach(e -> merged.put(e.getKey(), e.getValue()));
    // special_tokens_map.json wins over tokenizer_config.json, as in from_pretrained.
    specialMap.entrySet().forEach(e -> merged.put(e.getKey(), e.getValue()));

    SpecialToken bos = special(configFile, merged, "bos_token", "<|startoftext|>");
    SpecialToken eos = special(configFile, merged, "eos_token", "<|endoftext|>");
    SpecialToken unk = special(configFile, merged, "unk_token", "<|endoftext|>");
    Optional<SpecialToken> pad =
        merged.containsKey("pad_token") && merged.get("pad_token").isJsonNull()
            ? Optional.empty()
            : Optional.of(special(configFile, merged, "pad_token", "<|endoftext|>"));
    if (bos == null || eos == null || unk == null) {
      throw new TokenizerException(
          configFile, "bos_token, eos_token and unk_token must not be null for a CLIP tokenizer");
    }

    List<SpecialToken> additional = new ArrayList<>();
    JsonElement extra = merged.get("additional_special_tokens");
    if (extra != null && extra.isJsonArray()) {
      for (JsonElement e : (JsonArray) extra) {
        additional.add(specialValue(configFile, "additional_special_tokens", e));
      }
    }

    List<AddedToken> declared = new ArrayList<>();
    JsonElement decoder = config.get("added_tokens_decoder");
    if (decoder != null && decoder.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : decoder.getAsJsonObject().entrySet()) {
        declared.add(declaredToken(configFile, e.getKey(), e.getValue()));
      }
    }
    for (Map.Entry<String, JsonElement> e : addedJson.entrySet()) {
      int id = intValue(addedFile, e.getKey(), e.getValue());
      if (declared.stream().noneMatch(t -> t.content().equals(e.getKey()))) {
        declared.add(AddedToken.plain(e.getKey(), id));
      }
    }
    return new TokenizerConfig(
        maxLength(configFile, config.get("model_max_length")),
        bos,
        eos,
        unk,
        pad,
        List.copyOf(additional),
        List.copyOf(declared));
  }

  private static SpecialToken special(
      String file, Map<String, JsonElement> merged, String key, String fallback)
      throws TokenizerException {
    JsonElement e = merged.get(key);
    if (e == null || e.isJsonNull()) {
      return e == null ? SpecialToken.of(fallback) : null;
    }
    return specialValue(file, key, e);
  }

  private static SpecialToken specialValue(String file, String key, JsonElement e)
      throws TokenizerException {
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      return SpecialToken.of(e.getAsString());
    }
    if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
      JsonObject o = e.getAsJsonObject();
      return new SpecialToken(
          o.get("content").getAsString(),
          flag(o, "lstrip"),
          flag(o, "rstrip"),
          flag(o, "single_word"));
    }
    throw new TokenizerException(
        file, key + " is " + e + "; expected a string or an object with \"content\"");
  }

  private static AddedToken declaredToken(String file, String idText, JsonElement e)
      throws TokenizerException {
    int id;
    try {
      id = Integer.parseInt(idText);
    } catch (NumberFormatException ex) {
      throw new TokenizerException(
          file, "added_tokens_decoder key \"" + idText + "\" is not an integer id");
    }
    if (!e.isJsonObject() || !e.getAsJsonObject().has("content")) {
      throw new TokenizerException(
          file, "added_tokens_decoder[" + idText + "] is " + e + "; expected {\"content\": ...}");
    }
    JsonObject o = e.getAsJsonObject();
    return new AddedToken(
        o.get("content").getAsString(),
        id,
        flag(o, "special"),
        flag(o, "lstrip"),
        flag(o, "rstrip"),
        flag(o, "single_word"));
  }

  private static boolean flag(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsBoolean();
  }

  private static int intValue(String file, String key, JsonElement e) throws TokenizerException {
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      double d = e.getAsDouble();
      if (d >= 0 && d == Math.rint(d) && d <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    throw new TokenizerException(file, "\"" + key + "\" has id " + e + "; expected an integer >= 0");
  }

  // transformers writes VERY_LARGE_INTEGER (1e30) for "unset"; treat it like a missing entry.
  private static int maxLength(String file, JsonElement e) throws TokenizerException {
    if (e == null || e.isJsonNull()) {
      return DEFAULT_MAX_LENGTH;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new TokenizerException(file, "model_max_length is " + e + "; expected an integer");
    }
    double d = e.getAsDouble();
    if (d >= 1e20) {
      return DEFAULT_MAX_LENGTH;
    }
    if (d < 2 || d != Math.rint(d) || d > 1_000_000) {
      throw new TokenizerException(
          file, "model_max_length is " + e + "; expected an integer from 2 (bos + eos) up");
    }
    return (int) d;
  }
}
