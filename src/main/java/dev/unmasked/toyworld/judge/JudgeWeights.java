package dev.unmasked.toyworld.judge;

import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the judge's float32 tensors as safetensors: 8-byte little-endian header length,
 * header JSON {@code {name: {dtype: "F32", shape, data_offsets}, "__metadata__": {...}}} padded with
 * spaces to a multiple of 8, then the data. Reading goes through {@link SafetensorsFile}.
 */
public final class JudgeWeights {

  /** Classpath location of the shipped judge. */
  public static final String RESOURCE = "/dev/unmasked/toyworld/judge/judge.safetensors";

  private JudgeWeights() {}

  /** A set of named float tensors with their shapes, plus string metadata. */
  public record Tensors(Map<String, float[]> values, Map<String, long[]> shapes, Map<String, String> metadata) {}

  /** Writes {@code tensors} atomically to {@code file}. */
  public static void write(Path file, Tensors tensors) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter().metadata(tensors.metadata());
    for (Map.Entry<String, float[]> e : tensors.values().entrySet()) {
      w.putF32(e.getKey(), e.getValue(), tensors.shapes().get(e.getKey()));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    w.write(file);
  }

  /** Reads every tensor (as float32) and the metadata of a safetensors file. */
  public static Tensors read(Path file) throws SafetensorsException {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, float[]> values = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (String k : f.keys()) {
        values.put(k, f.floats(k));
        shapes.put(k, f.info(k).shape());
      }
      return new Tensors(values, shapes, new LinkedHashMap<>(f.metadata()));
    }
  }

  /** Prefix of ensemble member {@code i}'s tensors in an ensemble file. */
  static String memberPrefix(int i) {
    return "members." + i + ".";
  }

  /**
   * One file holding several judges (an ensemble): member {@code i}'s tensors under
   * {@link #memberPrefix}, metadata {@code members} (the count) and each member's own metadata under
   * the same prefix. Members that are themselves ensembles are rejected.
   */
  public static Tensors ensemble(List<Tensors> members) {
    if (members.size() < 2) {
      throw new IllegalArgumentException("an ensemble needs at least 2 judges, got " + members.size());
    }
    Map<String, float[]> values = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "unmasked-judge-v2");
    meta.put(Judge.MEMBERS, Integer.toString(members.size()));
    for (int i = 0; i < members.size(); i++) {
      Tensors t = members.get(i);
      if (Judge.isEnsemble(t.metadata())) {
        throw new IllegalArgumentException("judge " + i + " is itself an ensemble; pass single judges");
      }
      String p = memberPrefix(i);
      for (String k : t.values().keySet()) {
        values.put(p + k, t.values().get(k));
        shapes.put(p + k, t.shapes().get(k));
      }
      for (Map.Entry<String, String> e : t.metadata().entrySet()) {
        if (!e.getKey().equals(Judge.PRESENCE_THRESHOLD) && !e.getKey().equals(Judge.VIEWS)) {
          meta.put(p + e.getKey(), e.getValue());
        }
      }
    }
    return new Tensors(values, shapes, meta);
  }

  /** Member {@code i} of an ensemble file (its tensors, unprefixed, and its own metadata). */
  static Tensors member(Tensors ensemble, int i) {
    String p = memberPrefix(i);
    Map<String, float[]> values = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    for (String k : ensemble.values().keySet()) {
      if (k.startsWith(p)) {
        values.put(k.substring(p.length()), ensemble.values().get(k));
        shapes.put(k.substring(p.length()), ensemble.shapes().get(k));
      }
    }
    for (Map.Entry<String, String> e : ensemble.metadata().entrySet()) {
      if (e.getKey().startsWith(p)) {
        meta.put(e.getKey().substring(p.length()), e.getValue());
      }
    }
    if (values.isEmpty()) {
      throw new IllegalArgumentException("judge ensemble lacks member " + i + " (no tensors named '" + p + "*')");
    }
    return new Tensors(values, shapes, meta);
  }

  /** Reads only the metadata of a safetensors file (its header), not the tensors. */
  public static Map<String, String> readMetadata(Path file) throws SafetensorsException {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return new LinkedHashMap<>(f.metadata());
    }
  }

  /** Reads the judge shipped on the classpath (copied to a temporary file for the mapped reader). */
  public static Tensors readShipped() throws IOException {
    try (InputStream in = JudgeWeights.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("the shipped judge " + RESOURCE + " is missing from the classpath;"
            + " train one with './unmasked world train-judge' and pass --weights");
      }
      Path tmp = Files.createTempFile("judge", ".safetensors");
      try {
        Files.write(tmp, in.readAllBytes());
        return read(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
