package dev.unmasked.basemodel;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.clip.CLIPTextConfig;
import dev.unmasked.model.unet.UNet2DConditionConfig;
import dev.unmasked.model.vae.AutoencoderKLConfig;
import dev.unmasked.tokenizer.VocabularyBuilder;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded toy-world model's architecture: diffusers/transformers configs (resources beside
 * this class, in the JSON keys of SD's own files) and its reduced CLIP vocabulary. Everything the
 * pretraining builds comes from here, so the configs in the shipped folder are these files.
 */
public final class ToyModelSpec {
  private ToyModelSpec() {}

  /** Words other than the world's attributes that prompts commonly use. */
  private static final List<String> EXTRA_WORDS = List.of("a", "an", "and", "the", "on", "in",
      "of", "at", "front", "wall", "photo", "picture", "image", "with", "next", "to", "plain",
      "object", "shape", "thing", "background", "scene", "two", "three", "big", "small");

  /** The words the vocabulary holds as whole tokens. */
  public static List<String> words() {
    List<String> w = new ArrayList<>(EXTRA_WORDS);
    for (Shape s : Shape.values()) {
      w.add(s.word());
    }
    for (ObjectColor c : ObjectColor.values()) {
      w.add(c.word());
    }
    for (Pattern p : Pattern.values()) {
      w.add(p.word());
    }
    for (Background b : Background.values()) {
      for (String part : b.phrase().split(" ")) {
        w.add(part);
      }
      w.add(b.word());
    }
    w.add(",");
    return w.stream().distinct().toList();
  }

  public static VocabularyBuilder.Vocabulary vocabulary() {
    return VocabularyBuilder.build(words());
  }

  public static JsonObject vaeJson() {
    return resource("vae.json");
  }

  public static JsonObject unetJson() {
    return resource("unet.json");
  }

  public static JsonObject schedulerJson() {
    return resource("scheduler.json");
  }

  /** The text encoder's config with {@code vocab_size} set to the vocabulary's size. */
  public static JsonObject textEncoderJson() {
    JsonObject j = resource("text_encoder.json");
    j.addProperty("vocab_size", vocabulary().size());
    return j;
  }

  public static AutoencoderKLConfig vaeConfig() {
    return AutoencoderKLConfig.from(new ConfigJson(vaeJson(), "basemodel/vae.json"));
  }

  public static UNet2DConditionConfig unetConfig() {
    return UNet2DConditionConfig.from(new ConfigJson(unetJson(), "basemodel/unet.json"));
  }

  /** The UNet config at another width or depth (pilot runs); {@code unetJson()} is the shipped one. */
  public static JsonObject unetJson(UNetSize size) {
    return size.apply(unetJson());
  }

  public static UNet2DConditionConfig unetConfig(UNetSize size) {
    return UNet2DConditionConfig.from(new ConfigJson(unetJson(size), "basemodel/unet.json with "
        + size));
  }

  public static CLIPTextConfig textEncoderConfig() {
    return CLIPTextConfig.from(new ConfigJson(textEncoderJson(), "basemodel/text_encoder.json"));
  }

  private static JsonObject resource(String name) {
    try (InputStream in = ToyModelSpec.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/unmasked/basemodel/" + name);
      }
      return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
