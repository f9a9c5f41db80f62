package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one checkpoint format of every trainer: a safetensors file holding the trained tensors
 * ({@code param.NAME}), AdamW's moments ({@code adam_m.NAME}, {@code adam_v.NAME}), the EMA weights
 * when there is an EMA ({@code ema.NAME}), and in its metadata the step, the optimizer's step count,
 * the EMA's update count, the {@link TrainRng} state and whatever the trainer adds (its settings).
 * Written atomically (temp file, then rename): a kill while saving leaves the previous checkpoint.
 * Restoring all of it gives the state an uninterrupted run had at that step, bit for bit.
 */
public final class Checkpoint {
  public static final String FORMAT = "unmasked-checkpoint-v1";

  private final Path path;
  private final Map<String, String> metadata;
  private final Map<String, float[]> params = new LinkedHashMap<>();
  private final Map<String, float[]> first = new LinkedHashMap<>();
  private final Map<String, float[]> second = new LinkedHashMap<>();
  private final Map<String, float[]> ema = new LinkedHashMap<>();
  private final Map<String, State> state = new LinkedHashMap<>();

  /** A trainer's own state tensor (masks, counters): stored as {@code state.NAME}. */
  public record State(float[] values, long... shape) {}

  private Checkpoint(Path path, Map<String, String> metadata) {
    this.path = path;
    this.metadata = metadata;
  }

  /** Writes the state after {@code step} steps. {@code ema} may be null. */
  public static void save(Path file, long step, TrainRng rng, AdamW optimizer, Ema ema,
      Map<String, String> extra) throws SafetensorsException {
    save(file, step, rng, optimizer, ema, extra, Map.of());
  }

  /** As above, with the trainer's own state tensors. */
  public static void save(Path file, long step, TrainRng rng, AdamW optimizer, Ema ema,
      Map<String, String> extra, Map<String, State> state) throws SafetensorsException {
    SafetensorsWriter w = new SafetensorsWriter();
    w.metadata("format", FORMAT);
    w.metadata("step", Long.toString(step));
    w.metadata("rng_state", Long.toString(rng.state()));
    w.metadata("optimizer_steps", Long.toString(optimizer.stepCount()));
    if (ema != null) {
      w.metadata("ema_updates", Long.toString(ema.updates()));
    }
    extra.forEach((k, v) -> {
      if (!isReserved(k)) {
        w.metadata(k, v);
      }
    });
    put(w, "param.", optimizer.params());
    put(w, "adam_m.", optimizer.firstMoments());
    put(w, "adam_v.", optimizer.secondMoments());
    if (ema != null) {
      put(w, "ema.", ema.weights());
    }
    state.forEach((k, v) -> w.putF32("state." + k, v.values(), v.shape()));
    w.write(file);
  }

  private static boolean isReserved(String key) {
    return key.equals("format") || key.equals("step") || key.equals("rng_state")
        || key.equals("optimizer_steps") || key.equals("ema_updates");
  }

  private static void put(SafetensorsWriter w, String prefix, Map<String, NDArray> tensors) {
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      w.putF32(prefix + e.getKey(), a.toFloatArray(), a.getShape().getShape());
    }
  }

  /** Reads a checkpoint written by {@link #save}. */
  public static Checkpoint read(Path file) throws SafetensorsException {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, String> meta = new LinkedHashMap<>(f.metadata());
      if (!FORMAT.equals(meta.get("format"))) {
        throw new SafetensorsException(file, "not an unmasked training checkpoint (metadata format is "
            + meta.get("format") + ", expected " + FORMAT + ")");
      }
      Checkpoint c = new Checkpoint(file, meta);
      for (String k : f.keys()) {
        int dot = k.indexOf('.');
        String group = k.substring(0, dot);
        String name = k.substring(dot + 1);
        Map<String, float[]> target = switch (group) {
          case "param" -> c.params;
          case "adam_m" -> c.first;
          case "adam_v" -> c.second;
          case "ema" -> c.ema;
          case "state" -> null;
          default -> throw new SafetensorsException(file, "unexpected tensor group in '" + k + "'");
        };
        if (target == null) {
          c.state.put(name, new State(f.floats(k), f.info(k).shape()));
        } else {
          target.put(name, f.floats(k));
        }
      }
      return c;
    }
  }

  public Path path() {
    return path;
  }

  public long step() {
    return Long.parseLong(metadata.get("step"));
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** The trained tensors as stored. */
  public Map<String, float[]> params() {
    return params;
  }

  /** The EMA weights, empty when the run had no EMA. */
  public Map<String, float[]> emaWeights() {
    return ema;
  }

  /** The trainer's own state tensors. */
  public Map<String, State> state() {
    return state;
  }

  /** A generator in the state it had when the checkpoint was written. */
  public TrainRng rng() {
    return new TrainRng(Long.parseLong(metadata.get("rng_state")));
  }

  /**
   * Puts the stored weights, moments and EMA back into live objects whose parameter names must
   * match the checkpoint's exactly. {@code ema} may be null.
   */
  public void restore(AdamW optimizer, Ema ema) {
    if (!params.keySet().equals(optimizer.params().keySet())) {
      throw new IllegalArgumentException(path + ": the checkpoint's tensors do not match this run's ("
          + params.size() + " stored, " + optimizer.params().size() + " trained); was it written"
          + " by another configuration?");
    }
    for (Map.Entry<String, NDArray> e : optimizer.params().entrySet()) {
      Tensors.copyInto(e.getValue(), params.get(e.getKey()));
    }
    optimizer.restore(Long.parseLong(metadata.get("optimizer_steps")), first, second);
    if (ema != null) {
      if (!metadata.containsKey("ema_updates")) {
        throw new IllegalArgumentException(path + ": the checkpoint has no EMA weights");
      }
      ema.restore(Long.parseLong(metadata.get("ema_updates")), this.ema);
    }
  }
}
