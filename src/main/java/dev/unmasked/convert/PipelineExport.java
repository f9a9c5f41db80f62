package dev.unmasked.convert;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.UserError;
import dev.unmasked.eval.GenerationDefaults;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.io.DType;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copies a diffusers pipeline folder, as {@code save_pretrained} would write it: {@code
 * model_index.json}, the component folders it names, and {@code generation_defaults.json}; every
 * floating-point tensor of the {@code .safetensors} files stored in the chosen dtype (other
 * tensors and the metadata unchanged), every other file byte for byte. Training state beside the
 * pipeline (checkpoints, logs, samples) is left behind.
 *
 * <p>The copy is built in a temporary folder beside the target and renamed into place, so an
 * interrupted export leaves the old target (or none), never half of one.
 */
public final class PipelineExport {
  private PipelineExport() {}

  /** What was written. */
  public record Summary(int files, int tensors, long parameters, long bytes) {}

  /**
   * @param generation written as {@code generation_defaults.json} when not null (else the source's
   *     file, if it has one, is copied)
   * @param replace replace an existing non-empty target
   */
  public static Summary export(Path from, Path to, DType dtype, GenerationDefaults generation,
      boolean replace) throws IOException {
    if (!dtype.isFloating()) {
      throw new UserError("--dtype " + dtype + ": expected fp32, fp16 or bf16");
    }
    Path index = from.resolve("model_index.json");
    if (!Files.isRegularFile(index)) {
      throw new UserError(from + ": not a diffusers pipeline folder (model_index.json missing)");
    }
    List<String> parts = components(index);
    for (String p : parts) {
      if (!Files.isDirectory(from.resolve(p))) {
        throw new UserError(index + " names the component '" + p + "' but " + from.resolve(p)
            + " is missing");
      }
    }
    Path target = to.toAbsolutePath().normalize();
    if (target.startsWith(from.toAbsolutePath().normalize())) {
      throw new UserError(to + ": the target must not lie inside the source " + from);
    }
    if (Files.exists(target) && !(Files.isDirectory(target) && isEmpty(target)) && !replace) {
      throw new UserError(to + " exists and is not empty; pass --force to replace it");
    }
    Files.createDirectories(target.getParent());
    Path tmp = target.resolveSibling("." + target.getFileName() + ".export-"
        + ProcessHandle.current().pid());
    dev.unmasked.io.FileTrees.delete(tmp);
    int[] files = {0};
    int tensors = 0;
    long params = 0;
    long bytes = 0;
    try {
      Files.createDirectories(tmp);
      copyFile(index, tmp.resolve("model_index.json"));
      files[0]++;
      for (String p : parts) {
        List<Path> list;
        try (var walk = Files.walk(from.resolve(p))) {
          list = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : list) {
          Path dst = tmp.resolve(from.relativize(f).toString());
          Files.createDirectories(dst.getParent());
          if (f.getFileName().toString().endsWith(".safetensors")) {
            long[] counts = castSafetensors(f, dst, dtype);
            tensors += (int) counts[0];
            params += counts[1];
          } else {
            copyFile(f, dst);
          }
          files[0]++;
        }
      }
      Path defaults = tmp.resolve(GenerationDefaults.FILE);
      if (generation != null) {
        AtomicFile.write(defaults, new GsonBuilder().setPrettyPrinting().serializeNulls().create()
            .toJson(generation.toJson()).getBytes(StandardCharsets.UTF_8));
        files[0]++;
      } else if (Files.isRegularFile(from.resolve(GenerationDefaults.FILE))) {
        GenerationDefaults.read(from); // refuse a broken file rather than ship it
        copyFile(from.resolve(GenerationDefaults.FILE), defaults);
        files[0]++;
      }
      try (var walk = Files.walk(tmp)) {
        bytes = walk.filter(Files::isRegularFile).mapToLong(PipelineExport::size).sum();
      }
      Path old = null;
      if (Files.exists(target)) {
        old = target.resolveSibling("." + target.getFileName() + ".old-" + ProcessHandle.current().pid());
        dev.unmasked.io.FileTrees.delete(old);
        Files.move(target, old);
      }
      Files.move(tmp, target);
      if (old != null) {
        dev.unmasked.io.FileTrees.delete(old);
      }
    } finally {
      dev.unmasked.io.FileTrees.delete(tmp);
    }
    return new Summary(files[0], tensors, params, bytes);
  }

  /** The folders {@code model_index.json} names with a [library, class] pair. */
  static List<String> components(Path index) throws IOException {
    JsonElement root;
    try {
      root = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new UserError(index + ": not valid JSON (" + e.getMessage() + ")", e);
    }
    if (!root.isJsonObject()) {
      throw new UserError(index + ": expected a JSON object");
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, JsonElement> e : ((JsonObject) root).entrySet()) {
      JsonElement v = e.getValue();
      if (!e.getKey().startsWith("_") && v.isJsonArray() && v.getAsJsonArray().size() == 2
          && !v.getAsJsonArray().get(0).isJsonNull()) {
        if (e.getKey().contains("/") || e.getKey().contains("..")) {
          throw new UserError(index + ": component name '" + e.getKey() + "' is not a folder name");
        }
        parts.add(e.getKey());
      }
    }
    if (parts.isEmpty()) {
      throw new UserError(index + ": names no components");
    }
    return parts;
  }

  private static long[] castSafetensors(Path src, Path dst, DType dtype) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter();
    long params = 0;
    int n = 0;
    try (SafetensorsFile f = SafetensorsFile.open(src)) {
      w.metadata(f.metadata());
      for (String k : f.keys()) {
        TensorInfo t = f.info(k);
        if (t.dtype().isFloating()) {
          w.put(k, dtype, f.floats(k), t.shape());
        } else {
          byte[] raw = new byte[(int) t.byteLength()];
          f.bytes(k).get(raw);
          w.putRaw(k, t.dtype(), raw, t.shape());
        }
        params += t.numel();
        n++;
      }
      w.write(dst);
    } catch (SafetensorsException e) {
      throw new UserError(src + ": " + e.getMessage(), e);
    }
    return new long[] {n, params};
  }

  private static void copyFile(Path src, Path dst) throws IOException {
    Files.copy(src, dst);
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

}
