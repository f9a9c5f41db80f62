package dev.unmasked.convert;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.TensorSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An original LDM / A1111 single-file {@code .safetensors} checkpoint (SD 1.x or 2.x) seen as the
 * three diffusers components: {@link #unet()}, {@link #vae()} and {@link #textEncoder()} have
 * exactly the diffusers / transformers state_dict names and tensors, and the {@code *Config()}
 * methods give diffusers-style configs. This mirrors diffusers' {@code from_single_file}
 * ({@code convert_from_ckpt.py}), but every key is mapped through {@link KeyTable}s and nothing is
 * copied: tensors stay memory-mapped until a model reads them.
 *
 * <p>Key policy: every key under a component prefix ({@code model.diffusion_model.}, {@code
 * first_stage_model.}, the text-encoder prefix) must map, or opening fails listing the unmapped
 * keys. Known extras (DDPM schedule buffers, {@code model_ema.*} unless used, {@code position_ids},
 * OpenCLIP {@code text_projection}/{@code logit_scale}, the VAE's training loss, the unused last SD
 * 2.x block) are skipped and listed in {@link #ignoredKeys()}; any other key is skipped too, and
 * also reported in {@link #warnings()}.
 */
public final class SingleFileCheckpoint implements AutoCloseable {

  /** Keys known to carry no inference weights. */
  static final List<String> IGNORED_EXACT = List.of(
      "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
      "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
      "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
      "posterior_mean_coef1", "posterior_mean_coef2", "logvar", "lvlb_weights",
      "model_ema.decay", "model_ema.num_updates",
      TextEncoderKeys.SD1_PREFIX + "text_model.embeddings.position_ids",
      TextEncoderKeys.OPENCLIP_PREFIX + "text_projection",
      TextEncoderKeys.OPENCLIP_PREFIX + "logit_scale",
      TextEncoderKeys.OPENCLIP_PREFIX + "attn_mask");

  /** Key prefixes known to carry no inference weights. */
  static final List<String> IGNORED_PREFIXES = List.of(VaeKeys.PREFIX + "loss.", "model_ema.");

  private static final Pattern SD1_LAYER =
      Pattern.compile("^" + Pattern.quote(TextEncoderKeys.SD1_PREFIX) + "text_model\\.encoder\\.layers\\.(\\d+)\\.");
  private static final int SHOWN = 12;

  private final SafetensorsFile file;
  private final ModelKind kind;
  private final Map<Component, JsonObject> configs;
  private final MappedTensorSource unet;
  private final MappedTensorSource vae;
  private final MappedTensorSource textEncoder;
  private final List<String> ignored;
  private final List<String> warnings;

  private SingleFileCheckpoint(SafetensorsFile file, ModelKind kind, Map<Component, JsonObject> configs,
      MappedTensorSource unet, MappedTensorSource vae, MappedTensorSource textEncoder,
      List<String> ignored, List<String> warnings) {
    this.file = file;
    this.kind = kind;
    this.configs = configs;
    this.unet = unet;
    this.vae = vae;
    this.textEncoder = textEncoder;
    this.ignored = List.copyOf(ignored);
    this.warnings = List.copyOf(warnings);
  }

  /** Opens {@code file} with {@link SingleFileOptions#defaults()} and an optional kind assertion. */
  public static SingleFileCheckpoint open(Path file, Optional<ModelKind> kindOverride)
      throws SafetensorsException {
    SingleFileOptions o = SingleFileOptions.defaults();
    return open(file, kindOverride.map(o::withKind).orElse(o));
  }

  /**
   * Opens and validates {@code file}: detects the family, resolves the configs, checks them
   * against the tensor shapes and maps every key. Only headers are read.
   *
   * @throws SingleFileException unsupported or unknown naming, unmapped keys, configs that disagree
   *     with the weights, an unreadable yaml or config folder
   */
  public static SingleFileCheckpoint open(Path file, SingleFileOptions options)
      throws SafetensorsException {
    SafetensorsFile st = SafetensorsFile.open(file);
    try {
      return build(file, st, options);
    } catch (SafetensorsException | RuntimeException e) {
      st.close();
      throw e;
    }
  }

  private static SingleFileCheckpoint build(Path file, SafetensorsFile st, SingleFileOptions options)
      throws SafetensorsException {
    ModelKind kind = ModelKind.detect(file, st.keys());
    if (options.kind().isPresent() && options.kind().get() != kind) {
      throw new SingleFileException(file, "expected " + options.kind().get().description()
          + " but the key names say " + kind.description() + " (text encoder under '"
          + (kind == ModelKind.SD2 ? TextEncoderKeys.OPENCLIP_PREFIX : TextEncoderKeys.SD1_PREFIX) + "')");
    }
    List<String> warnings = new ArrayList<>();
    Map<Component, JsonObject> configs = resolveConfigs(file, kind, options, warnings);

    UnetKeys.Layout unetLayout;
    VaeKeys.Layout vaeLayout;
    try {
      unetLayout = UnetKeys.Layout.fromLdmKeys(st.keys());
      vaeLayout = VaeKeys.Layout.fromLdmKeys(st.keys());
    } catch (IllegalArgumentException e) {
      throw new SingleFileException(file, e.getMessage());
    }
    List<String> problems = ConfigChecks.unetAndVae(st, configs, unetLayout, vaeLayout);
    int stored = kind == ModelKind.SD2 ? TextEncoderKeys.openClipBlocks(st.keys()) : sd1Layers(st);
    int layers = ConfigChecks.textEncoder(st, kind, configs.get(Component.TEXT_ENCODER), stored, problems);
    if (!problems.isEmpty()) {
      throw new SingleFileException(file, "the configs do not fit the weights:\n  - "
          + String.join("\n  - ", problems) + "\n" + ConfigChecks.HINT);
    }

    KeyTable unetTable = UnetKeys.table(unetLayout);
    KeyTable vaeTable = VaeKeys.table(vaeLayout);
    KeyTable teTable = kind == ModelKind.SD2 ? TextEncoderKeys.openClip(layers) : TextEncoderKeys.sd1();
    String tePrefix = teTable.ldmPrefix();
    List<MappedKey> unetKeys = new ArrayList<>();
    List<MappedKey> vaeKeys = new ArrayList<>();
    List<MappedKey> teKeys = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    List<String> foreign = new ArrayList<>();
    List<String> unmapped = new ArrayList<>();
    for (String k : st.keys()) {
      if (isIgnored(k) || (kind == ModelKind.SD2 && droppedBlock(k, layers))) {
        ignored.add(k);
      } else if (k.startsWith(UnetKeys.PREFIX)) {
        collect(unetTable, k, unetKeys, unmapped);
      } else if (k.startsWith(VaeKeys.PREFIX)) {
        collect(vaeTable, k, vaeKeys, unmapped);
      } else if (k.startsWith(tePrefix)) {
        collect(teTable, k, teKeys, unmapped);
      } else {
        foreign.add(k);
      }
    }
    if (!unmapped.isEmpty()) {
      throw new SingleFileException(file, unmapped.size() + " keys under the UNet/VAE/text-encoder "
          + "prefixes match no row of the " + kind + " key tables (layout " + unetLayout + ", "
          + vaeLayout + "): " + shown(unmapped) + ". The file uses a layout this loader does not "
          + "know; it was not loaded rather than loaded with weights missing.");
    }
    if (!foreign.isEmpty()) {
      warnings.add("skipped " + foreign.size() + " keys that belong to no SD component: " + shown(foreign));
      ignored.addAll(foreign);
    }
    if (options.preferEma()) {
      unetKeys = useEma(file, st, unetKeys, warnings);
    }
    Collections.sort(ignored);
    return new SingleFileCheckpoint(st, kind, configs,
        new MappedTensorSource(st, Component.UNET.folder(), unetKeys),
        new MappedTensorSource(st, Component.VAE.folder(), vaeKeys),
        new MappedTensorSource(st, Component.TEXT_ENCODER.folder(), teKeys),
        ignored, warnings);
  }

  private static void collect(KeyTable t, String key, List<MappedKey> into, List<String> unmapped) {
    List<MappedKey> m = t.toDiffusers(key);
    if (m.isEmpty()) {
      unmapped.add(key);
    }
    into.addAll(m);
  }

  static boolean isIgnored(String key) {
    return IGNORED_EXACT.contains(key) || IGNORED_PREFIXES.stream().anyMatch(key::startsWith);
  }

  /** The one OpenCLIP block past the configured layers, which SD 2.x stores but never runs. */
  private static boolean droppedBlock(String key, int layers) {
    return key.startsWith(TextEncoderKeys.openClipBlockPrefix(layers));
  }

  private static int sd1Layers(SafetensorsFile st) {
    int n = 0;
    for (String k : st.keys()) {
      Matcher m = SD1_LAYER.matcher(k);
      if (m.find()) {
        n = Math.max(n, Integer.parseInt(m.group(1)) + 1);
      }
    }
    return n;
  }

  /** The flattened EMA name diffusers uses: {@code model_ema.} + the key after {@code model.}, dots removed. */
  static String emaKey(String ldmKey) {
    return "model_ema." + ldmKey.substring(ldmKey.indexOf('.') + 1).replace(".", "");
  }

  private static List<MappedKey> useEma(Path file, SafetensorsFile st, List<MappedKey> unetKeys,
      List<String> warnings) throws SingleFileException {
    List<String> missing = new ArrayList<>();
    List<MappedKey> ema = new ArrayList<>();
    for (MappedKey m : unetKeys) {
      String e = emaKey(m.ldm());
      if (!st.contains(e)) {
        missing.add(e);
      } else if (!java.util.Arrays.equals(st.tensors().get(e).shape(), st.tensors().get(m.ldm()).shape())) {
        throw new SingleFileException(file, "EMA tensor '" + e + "' has shape "
            + st.tensors().get(e).shapeString() + " but '" + m.ldm() + "' has "
            + st.tensors().get(m.ldm()).shapeString());
      } else {
        ema.add(new MappedKey(m.diffusers(), e, m.transform()));
      }
    }
    if (missing.size() == unetKeys.size()) {
      warnings.add("EMA weights were asked for but the file has none (no model_ema.* UNet keys); "
          + "using the normal model.diffusion_model.* weights");
      return unetKeys;
    }
    if (!missing.isEmpty()) {
      throw new SingleFileException(file, "the file has EMA weights for only part of the UNet; "
          + missing.size() + " missing, e.g. " + shown(missing)
          + ". Open it without preferEma to use the normal weights.");
    }
    return ema;
  }

  private static Map<Component, JsonObject> resolveConfigs(Path file, ModelKind kind,
      SingleFileOptions options, List<String> warnings) throws SingleFileException {
    Optional<Path> yamlPath = options.originalConfig();
    if (yamlPath.isEmpty() && options.siblingYaml()) {
      String name = file.getFileName().toString();
      int dot = name.lastIndexOf('.');
      Path sibling = file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".yaml");
      if (Files.isRegularFile(sibling)) {
        yamlPath = Optional.of(sibling);
      }
    }
    Optional<JsonObject> yaml = Optional.empty();
    if (yamlPath.isPresent()) {
      try {
        yaml = Optional.of(YamlSubset.parse(Files.readString(yamlPath.get(), StandardCharsets.UTF_8)));
      } catch (IOException | IllegalArgumentException e) {
        throw new SingleFileException(yamlPath.get(), "cannot read the original config: " + e.getMessage());
      }
    }
    Map<Component, JsonObject> configs;
    try {
      configs = LdmConfigs.derive(kind, yaml, options.predictionType());
    } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
      // IllegalStateException / UnsupportedOperationException: a yaml value of the wrong type
      throw new SingleFileException(yamlPath.orElse(file),
          "cannot derive diffusers configs from the original config: " + e.getMessage());
    }
    if (options.configDir().isPresent()) {
      Path dir = options.configDir().get();
      int found = 0;
      for (Component c : Component.values()) {
        Path p = dir.resolve(c.folder()).resolve(c.configFile());
        if (Files.isRegularFile(p)) {
          try {
            configs.put(c, JsonParser.parseString(Files.readString(p)).getAsJsonObject());
            found++;
          } catch (IOException | RuntimeException e) {
            throw new SingleFileException(p, "cannot read config: " + e.getMessage());
          }
        }
      }
      if (found == 0) {
        throw new SingleFileException(dir, "config folder holds none of unet/config.json, "
            + "vae/config.json, text_encoder/config.json, scheduler/scheduler_config.json");
      }
    }
    options.configPatches().forEach((c, patch) ->
        patch.entrySet().forEach(e -> configs.get(c).add(e.getKey(), e.getValue().deepCopy())));
    options.predictionType().ifPresent(p -> configs.get(Component.SCHEDULER).addProperty("prediction_type", p));
    return configs;
  }

  private static String shown(List<String> keys) {
    List<String> head = keys.subList(0, Math.min(SHOWN, keys.size()));
    return String.join(", ", head) + (keys.size() > SHOWN ? ", ... (" + (keys.size() - SHOWN) + " more)" : "");
  }

  public Path file() {
    return file.path();
  }

  public ModelKind kind() {
    return kind;
  }

  /** UNet tensors under diffusers {@code UNet2DConditionModel} names. */
  public TensorSource unet() {
    return unet;
  }

  /** VAE tensors under diffusers {@code AutoencoderKL} names. */
  public TensorSource vae() {
    return vae;
  }

  /** Text-encoder tensors under transformers {@code CLIPTextModel} names ({@code text_model.*}). */
  public TensorSource textEncoder() {
    return textEncoder;
  }

  /** Diffusers {@code UNet2DConditionModel} config (a copy). */
  public JsonObject unetConfig() {
    return configs.get(Component.UNET).deepCopy();
  }

  /** Diffusers {@code AutoencoderKL} config (a copy). */
  public JsonObject vaeConfig() {
    return configs.get(Component.VAE).deepCopy();
  }

  /** Transformers {@code CLIPTextModel} config (a copy). */
  public JsonObject textEncoderConfig() {
    return configs.get(Component.TEXT_ENCODER).deepCopy();
  }

  /** Diffusers {@code DDIMScheduler} config (a copy), with the resolved prediction type. */
  public JsonObject schedulerConfig() {
    return configs.get(Component.SCHEDULER).deepCopy();
  }

  /** {@code epsilon} or {@code v_prediction}. */
  public String predictionType() {
    return configs.get(Component.SCHEDULER).get("prediction_type").getAsString();
  }

  /** Keys of the file that no component uses, sorted. */
  public List<String> ignoredKeys() {
    return ignored;
  }

  /** Things the caller should tell the user (skipped foreign keys, EMA fallback). */
  public List<String> warnings() {
    return warnings;
  }

  /** Closes the file; the component sources must not be used afterwards. */
  @Override
  public void close() {
    file.close();
  }

  /** All configs keyed by component (copies). */
  public Map<Component, JsonObject> configs() {
    Map<Component, JsonObject> m = new EnumMap<>(Component.class);
    configs.forEach((c, o) -> m.put(c, o.deepCopy()));
    return m;
  }
}
