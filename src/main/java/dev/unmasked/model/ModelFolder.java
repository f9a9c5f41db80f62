package dev.unmasked.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.unmasked.io.TensorSource;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A diffusers pipeline folder, as {@code save_pretrained} writes it and the hub serves it:
 * {@code model_index.json} plus one folder per component ({@code unet/}, {@code vae/}, {@code
 * text_encoder/}, {@code tokenizer/}, {@code scheduler/}; SDXL adds {@code text_encoder_2/} and
 * {@code tokenizer_2/}). Mirrors the file lookup of diffusers' {@code DiffusionPipeline
 * .from_pretrained}; the networks themselves are built elsewhere from {@link #config} and {@link
 * #openWeights}.
 *
 * <p>Weight files looked for in a component folder, for base names {@code diffusion_pytorch_model}
 * (diffusers) and {@code model} (transformers): {@code <base>.safetensors}, then the sharded {@code
 * <base>.safetensors.index.json}; for the fp16 variant {@code <base>.fp16.safetensors}, then {@code
 * <base>.safetensors.index.fp16.json} (or {@code <base>.fp16.safetensors.index.json}). PyTorch
 * pickles ({@code .bin}, {@code .ckpt}, {@code .pt}) are never loaded.
 *
 * <p>Every problem is a {@link WeightLoadException} naming the missing part and its path.
 */
public final class ModelFolder {
  public static final String UNET = "unet";
  public static final String VAE = "vae";
  public static final String TEXT_ENCODER = "text_encoder";
  public static final String TOKENIZER = "tokenizer";
  public static final String SCHEDULER = "scheduler";

  private static final List<String> BASE_NAMES = List.of("diffusion_pytorch_model", "model");

  private final Path root;
  private final ModelIndex index;

  private ModelFolder(Path root, ModelIndex index) {
    this.root = root;
    this.index = index;
  }

  /** Opens a pipeline folder: reads and checks {@code model_index.json}. */
  public static ModelFolder open(Path dir) {
    if (!Files.isDirectory(dir)) {
      String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
      String hint =
          Files.isRegularFile(dir) && (name.endsWith(".safetensors") || name.endsWith(".ckpt"))
              ? " (it is a single-file checkpoint; give a diffusers pipeline folder)"
              : "";
      throw new WeightLoadException("model folder " + dir + " does not exist or is not a folder" + hint);
    }
    Path indexFile = dir.resolve("model_index.json");
    if (!Files.isRegularFile(indexFile)) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null && Files.isRegularFile(parent.resolve("model_index.json"))) {
        throw new WeightLoadException(
            dir + " is one component of a pipeline: give the pipeline folder " + parent
                + " (the one holding model_index.json)");
      }
      throw new WeightLoadException(
          dir + " is not a diffusers pipeline folder: model_index.json is missing (expected it"
              + " next to unet/, vae/, text_encoder/, tokenizer/, scheduler/)");
    }
    return new ModelFolder(dir, ModelIndex.parse(indexFile, readJson(indexFile)));
  }

  public Path root() {
    return root;
  }

  public ModelIndex index() {
    return index;
  }

  /** Whether the component's folder exists. */
  public boolean has(String component) {
    return Files.isDirectory(root.resolve(component));
  }

  /** The component's folder; a missing folder is an error naming it. */
  public Path componentDir(String component) {
    Path d = root.resolve(component);
    if (!Files.isDirectory(d)) {
      String listed =
          index.component(component).isPresent()
              ? "model_index.json lists '" + component + "' but its folder " + d + " is missing"
              : "no component '" + component + "' in " + root + " (folder " + d
                  + " is missing; model_index.json lists " + index.components().keySet() + ")";
      throw new WeightLoadException(listed + "; the download may be incomplete");
    }
    return d;
  }

  /** A file inside a component folder (e.g. {@code tokenizer/vocab.json}), checked to exist. */
  public Path file(String component, String fileName) {
    Path f = componentDir(component).resolve(fileName);
    if (!Files.isRegularFile(f)) {
      throw new WeightLoadException(
          "component '" + component + "' lacks " + fileName + ": " + f + " is missing");
    }
    return f;
  }

  /**
   * The component's config file: {@code scheduler_config.json} for schedulers, {@code
   * tokenizer_config.json} for tokenizers, otherwise {@code config.json}.
   */
  public Path configPath(String component) {
    String cls = index.component(component).map(ModelIndex.Component::className).orElse("");
    String name;
    if (cls.endsWith("Scheduler") || (cls.isEmpty() && component.startsWith("scheduler"))) {
      name = "scheduler_config.json";
    } else if (cls.contains("Tokenizer") || (cls.isEmpty() && component.startsWith("tokenizer"))) {
      name = "tokenizer_config.json";
    } else {
      name = "config.json";
    }
    return file(component, name);
  }

  /** The component's parsed config (see {@link #configPath}). */
  public JsonObject config(String component) {
    return readJson(configPath(component));
  }

  /** Opens the component's weights ({@link WeightVariant#DEFAULT}); the caller closes them. */
  public TensorSource openWeights(String component) {
    return openWeights(component, WeightVariant.DEFAULT);
  }

  public TensorSource openWeights(String component, WeightVariant variant) {
    return findWeights(component, variant).open();
  }

  /** Finds the component's weight file without opening it. */
  public WeightFile findWeights(String component, WeightVariant variant) {
    Path dir = componentDir(component);
    WeightFile full = first(dir, false);
    WeightFile half = first(dir, true);
    WeightFile chosen = variant == WeightVariant.FP16 ? half : full != null ? full : half;
    if (chosen != null) {
      return chosen;
    }
    if (variant == WeightVariant.FP16 && full != null) {
      throw new WeightLoadException(
          "no fp16 variant of '" + component + "' in " + dir + " (looked for "
              + "diffusion_pytorch_model.fp16.safetensors / model.fp16.safetensors and their sharded"
              + " indexes); only " + full.path().getFileName() + " is there: load the default"
              + " variant instead");
    }
    List<String> files = listFiles(dir);
    List<String> pickles =
        files.stream()
            .filter(f -> f.endsWith(".bin") || f.endsWith(".bin.index.json") || f.endsWith(".ckpt")
                || f.endsWith(".pt") || f.endsWith(".pth"))
            .toList();
    if (!pickles.isEmpty()) {
      throw new WeightLoadException(
          "component '" + component + "' in " + dir + " has only PyTorch pickle weights " + pickles
              + "; pickles are not loaded (unpickling can run arbitrary code). Convert the folder"
              + " to safetensors once with Python: python -c \"from diffusers import"
              + " DiffusionPipeline; DiffusionPipeline.from_pretrained('" + root
              + "').save_pretrained('" + root + "-safetensors', safe_serialization=True)\"");
    }
    throw new WeightLoadException(
        "no weights for '" + component + "' in " + dir
            + ": expected diffusion_pytorch_model.safetensors or model.safetensors (or a .fp16"
            + " variant or a sharded *.safetensors.index.json); the folder holds " + files);
  }

  private static WeightFile first(Path dir, boolean fp16) {
    for (String base : BASE_NAMES) {
      List<String> singles =
          fp16 ? List.of(base + ".fp16.safetensors") : List.of(base + ".safetensors");
      List<String> indexes =
          fp16
              ? List.of(base + ".safetensors.index.fp16.json", base + ".fp16.safetensors.index.json")
              : List.of(base + ".safetensors.index.json");
      for (String s : singles) {
        if (Files.isRegularFile(dir.resolve(s))) {
          return new WeightFile(dir.resolve(s), false, fp16);
        }
      }
      for (String s : indexes) {
        if (Files.isRegularFile(dir.resolve(s))) {
          return new WeightFile(dir.resolve(s), true, fp16);
        }
      }
    }
    return null;
  }

  private static List<String> listFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      return new ArrayList<>(List.of("(unreadable: " + e.getMessage() + ")"));
    }
  }

  /** Parses a JSON object file; Python's NaN/Infinity literals are accepted. */
  static JsonObject readJson(Path file) {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      JsonElement e = JsonParser.parseReader(r);
      if (!e.isJsonObject()) {
        throw new WeightLoadException(file + ": expected a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new WeightLoadException(file + ": not valid JSON (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new WeightLoadException(file + ": cannot read (" + e + ")", e);
    }
  }
}
