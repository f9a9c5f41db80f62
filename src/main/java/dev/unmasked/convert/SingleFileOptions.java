package dev.unmasked.convert;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * How to open a single-file checkpoint. Every field has a safe default ({@link #defaults()}); the
 * {@code with*} methods return modified copies.
 *
 * @param kind expected family; when present, a file whose naming says otherwise is refused (the
 *     naming is unambiguous, so this is an assertion, not a switch)
 * @param predictionType {@code epsilon} or {@code v_prediction} (also {@code eps}, {@code v}); wins
 *     over the yaml, the config folder and the family default
 * @param originalConfig the LDM yaml; when empty and {@code siblingYaml}, {@code <name>.yaml} next
 *     to the checkpoint is used if it exists (the A1111 convention)
 * @param siblingYaml whether to look for {@code <name>.yaml}
 * @param configDir a diffusers-style folder; each of {@code unet/config.json}, {@code
 *     vae/config.json}, {@code text_encoder/config.json}, {@code scheduler/scheduler_config.json}
 *     present there replaces the derived config whole
 * @param preferEma read the UNet from the EMA copy ({@code model_ema.*}) when the file has one for
 *     every UNet tensor; falls back to the normal weights, with a warning, when it has none
 * @param configPatches top-level fields merged into the resolved config of a component last (for
 *     example {@code norm_num_groups}, which a yaml cannot state)
 */
public record SingleFileOptions(
    Optional<ModelKind> kind,
    Optional<String> predictionType,
    Optional<Path> originalConfig,
    boolean siblingYaml,
    Optional<Path> configDir,
    boolean preferEma,
    Map<Component, JsonObject> configPatches) {

  public SingleFileOptions {
    predictionType = predictionType.map(LdmConfigs::normalisePrediction);
    Map<Component, JsonObject> copy = new EnumMap<>(Component.class);
    configPatches.forEach((c, o) -> copy.put(c, o.deepCopy()));
    configPatches = java.util.Collections.unmodifiableMap(copy);
  }

  /** No assertions, sibling yaml if present, no config folder, normal (non-EMA) weights. */
  public static SingleFileOptions defaults() {
    return new SingleFileOptions(
        Optional.empty(), Optional.empty(), Optional.empty(), true, Optional.empty(), false, Map.of());
  }

  public SingleFileOptions withKind(ModelKind k) {
    return new SingleFileOptions(Optional.of(k), predictionType, originalConfig, siblingYaml,
        configDir, preferEma, configPatches);
  }

  public SingleFileOptions withPredictionType(String p) {
    return new SingleFileOptions(kind, Optional.of(p), originalConfig, siblingYaml, configDir,
        preferEma, configPatches);
  }

  public SingleFileOptions withOriginalConfig(Path yaml) {
    return new SingleFileOptions(kind, predictionType, Optional.of(yaml), siblingYaml, configDir,
        preferEma, configPatches);
  }

  public SingleFileOptions withSiblingYaml(boolean look) {
    return new SingleFileOptions(kind, predictionType, originalConfig, look, configDir, preferEma,
        configPatches);
  }

  /** A diffusers folder whose configs describe the checkpoint; null for none. */
  public SingleFileOptions withConfigDir(Path dir) {
    return new SingleFileOptions(kind, predictionType, originalConfig, siblingYaml,
        Optional.ofNullable(dir), preferEma, configPatches);
  }

  public SingleFileOptions withPreferEma(boolean ema) {
    return new SingleFileOptions(kind, predictionType, originalConfig, siblingYaml, configDir, ema,
        configPatches);
  }

  /** Adds (merges) a patch for one component. */
  public SingleFileOptions withPatch(Component c, JsonObject patch) {
    Map<Component, JsonObject> m = new EnumMap<>(Component.class);
    m.putAll(configPatches);
    JsonObject merged = m.containsKey(c) ? m.get(c).deepCopy() : new JsonObject();
    patch.entrySet().forEach(e -> merged.add(e.getKey(), e.getValue().deepCopy()));
    m.put(c, merged);
    return new SingleFileOptions(kind, predictionType, originalConfig, siblingYaml, configDir,
        preferEma, m);
  }
}
