package dev.unmasked.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A diffusers pipeline's {@code model_index.json}: the pipeline class and, per component folder,
 * the library and class that load it, for example {@code "unet": ["diffusers",
 * "UNet2DConditionModel"]}. Components given as {@code [null, null]} (an absent safety checker) are
 * left out of {@link #components()}; {@link #raw()} keeps every field, such as {@code
 * requires_safety_checker}.
 *
 * @param className {@code _class_name}, e.g. {@code StableDiffusionPipeline}
 * @param diffusersVersion {@code _diffusers_version}, or null when absent
 * @param components component name to its library and class, in file order
 * @param raw the whole parsed file
 */
public record ModelIndex(
    String className, String diffusersVersion, Map<String, Component> components, JsonObject raw) {

  /** Which library and class load a component, e.g. {@code transformers / CLIPTextModel}. */
  public record Component(String library, String className) {}

  public ModelIndex {
    components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
  }

  /** Parses the JSON of {@code file}; a malformed file is a {@link WeightLoadException}. */
  public static ModelIndex parse(Path file, JsonObject json) {
    JsonElement cls = json.get("_class_name");
    if (cls == null || !cls.isJsonPrimitive()) {
      throw new WeightLoadException(
          file + ": no \"_class_name\": not a diffusers model_index.json");
    }
    JsonElement ver = json.get("_diffusers_version");
    Map<String, Component> comps = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : json.entrySet()) {
      if (e.getKey().startsWith("_") || !e.getValue().isJsonArray()) {
        continue; // _class_name, _diffusers_version, flags like requires_safety_checker
      }
      JsonArray a = e.getValue().getAsJsonArray();
      if (a.size() != 2) {
        throw new WeightLoadException(
            file + ": component '" + e.getKey() + "' should be [library, class], got " + a);
      }
      if (a.get(0).isJsonNull() && a.get(1).isJsonNull()) {
        continue;
      }
      if (!isString(a.get(0)) || !isString(a.get(1))) {
        throw new WeightLoadException(
            file + ": component '" + e.getKey() + "' should be [library, class], got " + a);
      }
      comps.put(e.getKey(), new Component(a.get(0).getAsString(), a.get(1).getAsString()));
    }
    return new ModelIndex(
        cls.getAsString(), ver != null && isString(ver) ? ver.getAsString() : null, comps, json);
  }

  private static boolean isString(JsonElement e) {
    return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
  }

  /** The component's library and class, if model_index.json lists it (and it is not null). */
  public Optional<Component> component(String name) {
    return Optional.ofNullable(components.get(name));
  }
}
