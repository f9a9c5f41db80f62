package dev.unmasked.adapters;

import dev.unmasked.UserError;
import dev.unmasked.adapters.Embedding.Format;
import dev.unmasked.adapters.RestrictedUnpickler.Tensor;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes textual-inversion files (see docs FORMATS.md, "Textual inversion"):
 *
 * <ul>
 *   <li>diffusers {@code learned_embeds.safetensors}: {@code {"<tok>": F32[n, D]}}, metadata
 *       {@code format: pt}; the key is the token. Several keys give several embeddings.
 *   <li>A1111/kohya safetensors: {@code {"emb_params": F32[n, D]}}; the token is the file name
 *       without its extension, as A1111 names it, unless one is given.
 *   <li>A1111 {@code .pt} (torch.save zip): {@code string_to_param["*"]} = [n, D], read by {@link
 *       RestrictedUnpickler}; token from the file name unless given. A {@code .pt}/{@code .bin}
 *       holding a plain {@code {token: tensor}} dict is read like the diffusers format.
 * </ul>
 *
 * SDXL files ({@code clip_l} + {@code clip_g}) are refused: no SDXL model exists in this project.
 */
public final class EmbeddingFiles {
  /** The tensor name of A1111/kohya safetensors embeddings. */
  public static final String EMB_PARAMS = "emb_params";

  private EmbeddingFiles() {}

  /**
   * The embeddings in {@code file}.
   *
   * @param token the prompt word to use, or null for the file's own (its key, or its file name for
   *     A1111 files); with a file of several tokens it must be null
   */
  public static List<Embedding> read(Path file, String token) {
    if (!Files.isRegularFile(file)) {
      throw new UserError(file + ": no such embedding file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    Map<String, Tensor> tensors;
    boolean a1111Pickle = false;
    if (name.endsWith(".safetensors")) {
      tensors = readSafetensors(file);
    } else {
      Object top = TorchZipFile.load(file);
      if (!(top instanceof Map<?, ?> dict)) {
        throw new UserError(file + ": the pickle holds " + top + ", not a dict of tensors");
      }
      a1111Pickle = dict.containsKey("string_to_param");
      tensors = a1111Pickle ? a1111Param(file, dict) : tensorsOf(file, dict);
    }
    if (tensors.containsKey("clip_l") || tensors.containsKey("clip_g")) {
      throw new UserError(file + ": an SDXL embedding (clip_l/clip_g); this project runs SD 1.x/2.x "
          + "models only, use an embedding trained for SD 1.x or 2.x");
    }
    if (tensors.isEmpty()) {
      throw new UserError(file + ": holds no tensor; not an embedding file");
    }
    String stem = stem(file);
    if (a1111Pickle || tensors.containsKey(EMB_PARAMS)) {
      if (tensors.size() != 1) {
        throw new UserError(file + ": expected only '" + EMB_PARAMS + "', found " + tensors.keySet());
      }
      Format f = a1111Pickle ? Format.A1111_PT : Format.EMB_PARAMS;
      Tensor t = tensors.values().iterator().next();
      return List.of(embedding(file, token != null ? token : stem, t, f));
    }
    if (token != null && tensors.size() != 1) {
      throw new UserError(file + ": holds " + tensors.size() + " tokens " + tensors.keySet()
          + "; a token name can only be given for a file of one embedding");
    }
    List<Embedding> out = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      out.add(embedding(file, token != null ? token : e.getKey(), e.getValue(), Format.DIFFUSERS));
    }
    return out;
  }

  /** Writes diffusers' {@code learned_embeds.safetensors}: {token: F32[n, D]}, format pt. */
  public static void writeDiffusers(Path file, Map<String, float[][]> embeddings)
      throws SafetensorsException {
    if (embeddings.isEmpty()) {
      throw new IllegalArgumentException("no embeddings to write to " + file);
    }
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    for (Map.Entry<String, float[][]> e : embeddings.entrySet()) {
      new Embedding(e.getKey(), e.getValue(), null, Format.MEMORY); // validates token and shape
      w.putF32(e.getKey(), flatten(e.getValue()), e.getValue().length, e.getValue()[0].length);
    }
    w.write(file);
  }

  /** Writes the A1111/kohya safetensors format: {"emb_params": F32[n, D]}, format pt. */
  public static void writeEmbParams(Path file, float[][] vectors) throws SafetensorsException {
    new Embedding("emb", vectors, null, Format.MEMORY); // validates the shape
    new SafetensorsWriter().metadata("format", "pt")
        .putF32(EMB_PARAMS, flatten(vectors), vectors.length, vectors[0].length).write(file);
  }

  // ------------------------------------------------------------------------------------ helpers

  private static Map<String, Tensor> readSafetensors(Path file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (String k : f.keys()) {
        TensorInfo t = f.info(k);
        if (!t.dtype().isFloating()) {
          throw new UserError(file + ": tensor '" + k + "' is " + t.dtype()
              + "; an embedding is a float tensor");
        }
        out.put(k, new Tensor(t.shape(), f.floats(k)));
      }
    } catch (SafetensorsException e) {
      throw new UserError(e.getMessage(), e);
    }
    return out;
  }

  /** A1111: string_to_param holds exactly one tensor (under "*"). */
  private static Map<String, Tensor> a1111Param(Path file, Map<?, ?> dict) {
    if (!(dict.get("string_to_param") instanceof Map<?, ?> params) || params.size() != 1
        || !(params.values().iterator().next() instanceof Tensor t)) {
      throw new UserError(file + ": 'string_to_param' must hold exactly one tensor (A1111 format)");
    }
    return Map.of("string_to_param", t);
  }

  private static Map<String, Tensor> tensorsOf(Path file, Map<?, ?> dict) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof Tensor t)) {
        throw new UserError(file + ": entry '" + e.getKey() + "' is not a tensor; expected "
            + "{token: tensor} or A1111's string_to_param");
      }
      out.put(k, t);
    }
    return out;
  }

  private static Embedding embedding(Path file, String token, Tensor t, Format format) {
    long[] s = t.shape();
    if (s.length == 0 || s.length > 2 || s[s.length - 1] == 0 || (s.length == 2 && s[0] == 0)) {
      throw new UserError(file + ": embedding tensor has shape " + java.util.Arrays.toString(s)
          + "; expected [n, D] or [D]");
    }
    int n = s.length == 2 ? (int) s[0] : 1;
    int d = (int) s[s.length - 1];
    float[][] v = new float[n][d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.data(), i * d, v[i], 0, d);
    }
    try {
      return new Embedding(token, v, file, format);
    } catch (IllegalArgumentException e) {
      throw new UserError(file + ": " + e.getMessage(), e);
    }
  }

  private static String stem(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  private static float[] flatten(float[][] rows) {
    int d = rows[0].length;
    float[] f = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, f, i * d, d);
    }
    return f;
  }
}
