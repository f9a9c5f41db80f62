package dev.unmasked.adapters;

import dev.unmasked.UserError;
import dev.unmasked.adapters.LoraKeys.Parsed;
import dev.unmasked.adapters.LoraKeys.Part;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads LoRA safetensors files of any naming {@link LoraKeys} knows (kohya, diffusers, PEFT) into
 * {@link LoraWeights}, and writes {@link LoraWeights} with exactly the keys, shapes and metadata
 * those tools write (the interop fixtures are reproduced byte for byte).
 *
 * <p>Reading is strict: a key no naming knows, a module with a down but no up weight (or the
 * reverse), a non-scalar alpha or a mis-shaped pair is a {@link UserError} naming the file and key.
 */
public final class LoraFiles {
  private LoraFiles() {}

  /** Reads {@code file} (any supported naming; F32, F16 or BF16 tensors). */
  public static LoraWeights read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserError(file + ": no such LoRA file");
    }
    if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
      throw new UserError(file + ": LoRA files are read as .safetensors only; convert this one "
          + "(pickled .pt/.ckpt/.bin LoRAs are not supported)");
    }
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, Map<Part, String>> byPath = new TreeMap<>();
      Set<LoraFormat> formats = new LinkedHashSet<>();
      List<String> unknown = new ArrayList<>();
      for (String key : f.keys()) {
        Optional<Parsed> p = LoraKeys.parse(key);
        if (p.isEmpty()) {
          unknown.add(key);
          continue;
        }
        checkNotLdm(file, key);
        String prev = byPath.computeIfAbsent(p.get().path(), k -> new java.util.EnumMap<>(Part.class))
            .put(p.get().part(), key);
        if (prev != null) {
          throw new UserError(file + ": keys '" + prev + "' and '" + key + "' both give the "
              + p.get().part().name().toLowerCase(Locale.ROOT) + " of module " + p.get().path());
        }
        if (p.get().part() != Part.ALPHA) {
          formats.add(p.get().format());
        }
      }
      if (!unknown.isEmpty()) {
        throw new UserError(file + ": " + unknown.size() + " key(s) are not LoRA weights this "
            + "reader knows, for example '" + unknown.get(0) + "'" + hint(unknown.get(0))
            + " (supported: kohya lora_unet_/lora_te_ ... lora_down/lora_up/alpha, diffusers "
            + "unet./text_encoder. ... lora.down/lora.up, PEFT ... lora_A/lora_B)");
      }
      if (byPath.isEmpty()) {
        throw new UserError(file + ": holds no LoRA weights");
      }
      Map<String, LoraModule> modules = new TreeMap<>();
      for (Map.Entry<String, Map<Part, String>> e : byPath.entrySet()) {
        modules.put(e.getKey(), module(file, f, e.getKey(), e.getValue()));
      }
      LoraFormat format = formats.size() == 1 ? formats.iterator().next() : null;
      return new LoraWeights(file.toString(), format, modules);
    } catch (SafetensorsException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  private static LoraModule module(Path file, SafetensorsFile f, String path,
      Map<Part, String> keys) throws SafetensorsException {
    String downKey = keys.get(Part.DOWN);
    String upKey = keys.get(Part.UP);
    if (downKey == null || upKey == null) {
      String have = downKey != null ? downKey : upKey != null ? upKey : keys.get(Part.ALPHA);
      throw new UserError(file + ": module " + path + " has '" + have + "' but no "
          + (downKey == null ? "down" : "up") + " weight");
    }
    TensorInfo down = f.info(downKey);
    TensorInfo up = f.info(upKey);
    float alpha = down.shape().length > 0 ? down.shape()[0] : 0;
    String alphaKey = keys.get(Part.ALPHA);
    if (alphaKey != null) {
      TensorInfo a = f.info(alphaKey);
      if (a.numel() != 1) {
        throw new UserError(file + ": '" + alphaKey + "' has shape " + a.shapeString()
            + "; alpha must be a single number");
      }
      alpha = f.floats(alphaKey)[0];
    }
    try {
      return new LoraModule(path, f.floats(downKey), down.shape(), f.floats(upKey), up.shape(),
          alpha, downKey);
    } catch (IllegalArgumentException e) {
      throw new UserError(file + ": '" + downKey + "': " + e.getMessage(), e);
    }
  }

  /** kohya's SDXL files name UNet blocks the LDM way; those models are not supported here. */
  private static void checkNotLdm(Path file, String key) {
    for (String b : LoraKeys.LDM_UNET_BLOCKS) {
      if (key.startsWith("lora_unet_" + b + "_")) {
        throw new UserError(file + ": key '" + key + "' uses LDM UNet block names (" + b + "), "
            + "as kohya writes them for SDXL; this project runs SD 1.x/2.x models, whose kohya "
            + "LoRAs use diffusers names (lora_unet_down_blocks_...)");
      }
    }
  }

  private static String hint(String key) {
    if (key.contains("hada_") || key.contains("lokr_")) {
      return " (a LyCORIS LoHa/LoKr file, not a LoRA)";
    }
    if (key.contains("dora_scale")) {
      return " (a DoRA file, not supported)";
    }
    if (key.contains("lora_mid")) {
      return " (LoCon with a Tucker mid weight, not supported)";
    }
    return "";
  }

  // ------------------------------------------------------------------------------------ writing

  /**
   * kohya sd-scripts' layout: per module {@code <kohya name>.lora_down.weight} [r, in...], {@code
   * .lora_up.weight} [out, r...] and a 0-d F32 {@code .alpha}; metadata {@code ss_network_module}
   * (networks.lora), {@code ss_network_dim}, {@code ss_network_alpha} ("Dynamic" when modules
   * differ) and {@code ss_base_model_version} (sd_v1, sd_v2, ...).
   */
  public static void writeKohya(Path file, LoraWeights lora, String baseModelVersion)
      throws SafetensorsException {
    boolean sdxl = lora.modules().values().stream()
        .anyMatch(m -> m.component().equals("text_encoder_2"));
    Set<Integer> ranks = new LinkedHashSet<>();
    Set<Float> alphas = new LinkedHashSet<>();
    SafetensorsWriter w = new SafetensorsWriter();
    for (LoraModule m : nonEmpty(lora)) {
      w.putF32(LoraKeys.kohyaKey(m.path(), Part.ALPHA, sdxl), new float[] {m.alpha()});
      w.putF32(LoraKeys.kohyaKey(m.path(), Part.DOWN, sdxl), m.down(), m.downShape());
      w.putF32(LoraKeys.kohyaKey(m.path(), Part.UP, sdxl), m.up(), m.upShape());
      ranks.add(m.rank());
      alphas.add(m.alpha());
    }
    w.metadata("ss_network_module", "networks.lora")
        .metadata("ss_network_dim", ranks.size() == 1 ? ranks.iterator().next().toString() : "Dynamic")
        .metadata("ss_network_alpha",
            alphas.size() == 1 ? pythonFloat(alphas.iterator().next()) : "Dynamic")
        .metadata("ss_base_model_version", baseModelVersion);
    w.write(file);
  }

  /**
   * diffusers' {@code save_lora_weights} layout: {@code unet.<module>.lora.down.weight} / {@code
   * .lora.up.weight} ({@code .lora_linear_layer.} in text encoders), alpha / rank folded into up
   * (exact when it is a power of two), metadata {@code format: pt}.
   */
  public static void writeDiffusers(Path file, LoraWeights lora) throws SafetensorsException {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    for (LoraModule m : nonEmpty(lora)) {
      w.putF32(LoraKeys.diffusersKey(m.path(), Part.DOWN), m.down(), m.downShape());
      w.putF32(LoraKeys.diffusersKey(m.path(), Part.UP), m.foldedUp(), m.upShape());
    }
    w.write(file);
  }

  /** PEFT's layout: {@code .lora_A.weight} = down, {@code .lora_B.weight} = up with alpha / rank folded in. */
  public static void writePeft(Path file, LoraWeights lora) throws SafetensorsException {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    for (LoraModule m : nonEmpty(lora)) {
      w.putF32(LoraKeys.peftKey(m.path(), Part.DOWN), m.down(), m.downShape());
      w.putF32(LoraKeys.peftKey(m.path(), Part.UP), m.foldedUp(), m.upShape());
    }
    w.write(file);
  }

  /** Writes {@code lora} in {@code format} ({@code baseModelVersion} is used by kohya only). */
  public static void write(Path file, LoraWeights lora, LoraFormat format, String baseModelVersion)
      throws SafetensorsException {
    switch (format) {
      case KOHYA -> writeKohya(file, lora, baseModelVersion);
      case DIFFUSERS -> writeDiffusers(file, lora);
      case PEFT -> writePeft(file, lora);
    }
  }

  private static java.util.Collection<LoraModule> nonEmpty(LoraWeights lora) {
    if (lora.modules().isEmpty()) {
      throw new IllegalArgumentException("LoRA " + lora.source() + " has no modules to write");
    }
    return lora.modules().values();
  }

  /** Python's {@code str(float)} for the values kohya stores (2.0, 0.5, 16.0). */
  static String pythonFloat(float f) {
    double d = f;
    if (d == Math.rint(d) && Math.abs(d) < 1e16) {
      return (long) d + ".0";
    }
    return Float.toString(f);
  }
}
