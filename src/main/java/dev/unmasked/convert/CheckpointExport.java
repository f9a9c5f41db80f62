package dev.unmasked.convert;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Conversions in both directions, both by raw bytes (dtype and float bits are kept):
 *
 * <ul>
 *   <li>{@link #toDiffusersFolder}: a {@link SingleFileCheckpoint} to a diffusers pipeline folder
 *       (unet, vae, text_encoder, scheduler, model_index.json; no tokenizer, which a single file
 *       does not carry);
 *   <li>{@link #toSingleFile}: a diffusers folder to an LDM / A1111 single file, the inverse key
 *       tables (as diffusers' {@code convert_diffusers_to_original_stable_diffusion.py}, but for any
 *       number of levels and blocks, and with [C] VAE attention biases, which A1111 requires).
 * </ul>
 */
public final class CheckpointExport {
  private CheckpointExport() {}

  /** Writes the checkpoint's components and configs as a diffusers folder under {@code dir}. */
  public static void toDiffusersFolder(SingleFileCheckpoint c, Path dir) throws IOException {
    writeComponent((MappedTensorSource) c.unet(), dir.resolve("unet/diffusion_pytorch_model.safetensors"));
    writeComponent((MappedTensorSource) c.vae(), dir.resolve("vae/diffusion_pytorch_model.safetensors"));
    writeComponent((MappedTensorSource) c.textEncoder(), dir.resolve("text_encoder/model.safetensors"));
    for (Map.Entry<Component, JsonObject> e : c.configs().entrySet()) {
      Component k = e.getKey();
      writeJson(dir.resolve(k.folder()).resolve(k.configFile()), e.getValue());
    }
    writeJson(dir.resolve("model_index.json"), modelIndex());
  }

  /** Copies every tensor's mapped bytes unconverted; they stream to disk without a heap copy. */
  private static void writeComponent(MappedTensorSource s, Path out) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    for (String k : s.keys()) {
      TensorInfo t = s.info(k);
      w.putRaw(k, t.dtype(), s.bytes(k), t.shape());
    }
    write(w, out);
  }

  /** Writes {@code w} to {@code out}, creating the folders above it first. */
  private static void write(SafetensorsWriter w, Path out) throws IOException {
    Files.createDirectories(out.toAbsolutePath().getParent());
    w.write(out);
  }

  /** Writes a JSON file atomically, pretty-printed with two spaces as diffusers does. */
  private static void writeJson(Path path, JsonObject json) throws IOException {
    String text = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json) + "\n";
    Files.createDirectories(path.toAbsolutePath().getParent());
    AtomicFile.write(path, text.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject modelIndex() throws IOException {
    try (InputStream in = CheckpointExport.class.getResourceAsStream("model_index.json")) {
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
    }
  }

  /**
   * Writes the UNet, VAE and text encoder of the diffusers folder {@code dir} as one LDM-named
   * file. {@code kind} decides the text-encoder naming: transformers names for SD 1.x, OpenCLIP
   * names with fused q/k/v for SD 2.x (without the unused 24th block and {@code text_projection},
   * which a diffusers folder does not have).
   */
  public static void toSingleFile(Path dir, ModelKind kind, Path out) throws IOException {
    if (kind == ModelKind.SDXL) {
      throw new SingleFileException(out, "SDXL export is not supported yet");
    }
    List<SafetensorsFile> open = new ArrayList<>();
    try {
      SafetensorsFile unet = track(open, dir.resolve("unet/diffusion_pytorch_model.safetensors"));
      SafetensorsFile vae = track(open, dir.resolve("vae/diffusion_pytorch_model.safetensors"));
      SafetensorsFile te = track(open, dir.resolve("text_encoder/model.safetensors"));
      SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
      inverse(unet, UnetKeys.table(UnetKeys.Layout.fromDiffusersKeys(unet.keys())), w);
      inverse(vae, VaeKeys.table(VaeKeys.Layout.fromDiffusersKeys(vae.keys())), w);
      KeyTable teTable = kind == ModelKind.SD2
          ? TextEncoderKeys.openClip(textLayers(te)) : TextEncoderKeys.sd1();
      inverse(te, teTable, w);
      write(w, out); // before the finally: the mapped buffers live only while the files are open
    } finally {
      open.forEach(SafetensorsFile::close);
    }
  }

  private static SafetensorsFile track(List<SafetensorsFile> open, Path p) throws SafetensorsException {
    SafetensorsFile f = SafetensorsFile.open(p);
    open.add(f);
    return f;
  }

  private static int textLayers(SafetensorsFile te) {
    int n = 0;
    for (String k : te.keys()) {
      if (k.startsWith("text_model.encoder.layers.")) {
        String rest = k.substring("text_model.encoder.layers.".length());
        n = Math.max(n, Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1);
      }
    }
    return n;
  }

  /** Maps every tensor of {@code f} back to its LDM name; q/k/v thirds are joined in that order. */
  private static void inverse(SafetensorsFile f, KeyTable t, SafetensorsWriter into)
      throws SafetensorsException {
    Map<String, ByteBuffer[]> fused = new TreeMap<>();
    Map<String, TensorInfo> fusedInfo = new TreeMap<>();
    for (String k : f.keys()) {
      if (k.equals("text_model.embeddings.position_ids")) {
        continue; // a buffer, not a weight; some folders still carry it
      }
      MappedKey m = t.toLdm(k).orElseThrow(() -> new SingleFileException(f.path(),
          "tensor '" + k + "' has no LDM name in the " + t.ldmPrefix() + " table"));
      TensorInfo info = f.info(k);
      switch (m.transform()) {
        case IDENTITY -> into.putRaw(m.ldm(), info.dtype(), f.bytes(k), info.shape());
        case SQUEEZE_1X1 -> {
          long[] s = info.shape();
          long[] conv = s.length == 2 ? new long[] {s[0], s[1], 1, 1} : s;
          into.putRaw(m.ldm(), info.dtype(), f.bytes(k), conv);
        }
        default -> {
          fused.computeIfAbsent(m.ldm(), x -> new ByteBuffer[3])[m.transform().third()] = f.bytes(k);
          fusedInfo.put(m.ldm(), info);
        }
      }
    }
    for (Map.Entry<String, ByteBuffer[]> e : fused.entrySet()) {
      ByteBuffer[] parts = e.getValue();
      for (ByteBuffer p : parts) {
        if (p == null) {
          throw new SingleFileException(f.path(), "q, k and v are not all present for " + e.getKey());
        }
      }
      TensorInfo one = fusedInfo.get(e.getKey());
      long[] shape = one.shape().clone();
      shape[0] *= 3;
      into.putRaw(e.getKey(), one.dtype(), List.of(parts), shape);
    }
  }

  /** True when {@code dir} looks like a diffusers pipeline folder with the three weight files. */
  public static boolean isDiffusersFolder(Path dir) {
    return Files.isRegularFile(dir.resolve("unet/diffusion_pytorch_model.safetensors"))
        && Files.isRegularFile(dir.resolve("vae/diffusion_pytorch_model.safetensors"))
        && Files.isRegularFile(dir.resolve("text_encoder/model.safetensors"));
  }
}
