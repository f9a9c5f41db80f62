package dev.unmasked.scheduler;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.unmasked.UserError;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A diffusers {@code scheduler_config.json} as read by one scheduler class. Each component is the
 * JSON key of the same name in camelCase ({@code numTrainTimesteps} = {@code num_train_timesteps},
 * {@code className} = {@code _class_name}).
 *
 * <p>Built by {@link #parse} the way diffusers' {@code from_config} builds a scheduler: only the
 * keys the target class knows are read (see {@link SchedulerType}); a key that is missing, JSON
 * null, or listed in {@code _use_default_values} takes that class's default; other keys are
 * ignored. Components the target class does not read hold a neutral value and are never used.
 *
 * @param trainedBetas {@code trained_betas}, or null
 * @param varianceType {@code variance_type}, or null
 * @param sigmaMin {@code sigma_min}, or null (use the schedule's smallest sigma)
 * @param sigmaMax {@code sigma_max}, or null (use the schedule's largest sigma)
 * @param finalSigmasType DPM-Solver's last sigma: {@code sigma_min} (diffusers 0.25.1, the default)
 *     or {@code zero} (later diffusers versions)
 * @param source where the JSON came from, for error messages
 */
public record SchedulerConfig(
    String className,
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    String betaSchedule,
    double[] trainedBetas,
    int stepsOffset,
    String predictionType,
    String timestepSpacing,
    boolean setAlphaToOne,
    boolean clipSample,
    double clipSampleRange,
    boolean thresholding,
    boolean rescaleBetasZeroSnr,
    String varianceType,
    boolean useKarrasSigmas,
    Double sigmaMin,
    Double sigmaMax,
    String interpolationType,
    String timestepType,
    boolean skipPrkSteps,
    int solverOrder,
    String algorithmType,
    String solverType,
    boolean lowerOrderFinal,
    boolean eulerAtFinal,
    boolean useLuLambdas,
    double lambdaMinClipped,
    String finalSigmasType,
    String source) {

  /** Values for keys a class does not read (they are never used by that class). */
  private static final Map<String, Object> NEUTRAL = neutral();

  /**
   * Reads {@code json} for scheduler {@code type}.
   *
   * @param source a file name or description used in error messages
   * @throws UserError naming the source and key when a value has the wrong JSON type
   */
  public static SchedulerConfig parse(JsonObject json, SchedulerType type, String source) {
    Map<String, Object> defaults = type.defaults();
    Set<String> useDefault = new HashSet<>();
    JsonElement ud = json.get("_use_default_values");
    if (ud != null && ud.isJsonArray()) {
      for (JsonElement e : ud.getAsJsonArray()) {
        useDefault.add(e.getAsString());
      }
    }
    Reader r = new Reader(json, defaults, useDefault, source);
    JsonElement cls = json.get("_class_name");
    String className = cls != null && cls.isJsonPrimitive() ? cls.getAsString() : null;
    return new SchedulerConfig(
        className,
        r.integer("num_train_timesteps"),
        r.number("beta_start"),
        r.number("beta_end"),
        r.string("beta_schedule"),
        r.numbers("trained_betas"),
        r.integer("steps_offset"),
        r.string("prediction_type"),
        r.string("timestep_spacing"),
        r.bool("set_alpha_to_one"),
        r.bool("clip_sample"),
        r.number("clip_sample_range"),
        r.bool("thresholding"),
        r.bool("rescale_betas_zero_snr"),
        r.string("variance_type"),
        r.bool("use_karras_sigmas"),
        r.optionalNumber("sigma_min"),
        r.optionalNumber("sigma_max"),
        r.string("interpolation_type"),
        r.string("timestep_type"),
        r.bool("skip_prk_steps"),
        r.integer("solver_order"),
        r.string("algorithm_type"),
        r.string("solver_type"),
        r.bool("lower_order_final"),
        r.bool("euler_at_final"),
        r.bool("use_lu_lambdas"),
        r.number("lambda_min_clipped"),
        r.string("final_sigmas_type"),
        source);
  }

  /** {@code trained_betas} (a copy), or null. */
  @Override
  public double[] trainedBetas() {
    return trainedBetas == null ? null : trainedBetas.clone();
  }

  /** A user error about {@code key} of this config: "source: key: problem". */
  public UserError error(String key, String problem) {
    return new UserError(source + ": scheduler config key '" + key + "' " + problem);
  }

  private static Map<String, Object> neutral() {
    Map<String, Object> n = new HashMap<>();
    for (SchedulerType t : SchedulerType.values()) {
      for (Map.Entry<String, Object> e : t.defaults().entrySet()) {
        n.putIfAbsent(e.getKey(), e.getValue());
      }
    }
    // Keys whose defaults differ between classes: pick a fixed neutral value.
    n.put("timestep_spacing", "leading");
    n.put("set_alpha_to_one", false);
    n.put("clip_sample", false);
    n.put("variance_type", null);
    return Collections.unmodifiableMap(n);
  }

  /** Typed access with defaults; every failure names the file and key. */
  private static final class Reader {
    private final JsonObject json;
    private final Map<String, Object> defaults;
    private final Set<String> useDefault;
    private final String source;

    Reader(JsonObject json, Map<String, Object> defaults, Set<String> useDefault, String source) {
      this.json = json;
      this.defaults = defaults;
      this.useDefault = useDefault;
      this.source = source;
    }

    /** The JSON value when this class reads the key and the JSON sets it, else null. */
    private JsonElement given(String key) {
      if (!defaults.containsKey(key) || useDefault.contains(key)) {
        return null;
      }
      JsonElement v = json.get(key);
      return v == null || v.isJsonNull() ? null : v;
    }

    private Object fallback(String key) {
      return defaults.containsKey(key) ? defaults.get(key) : NEUTRAL.get(key);
    }

    private UserError wrongType(String key, JsonElement v, String expected) {
      return new UserError(
          source + ": scheduler config key '" + key + "' is " + v + " but must be " + expected);
    }

    int integer(String key) {
      JsonElement v = given(key);
      if (v == null) {
        return ((Number) fallback(key)).intValue();
      }
      double d = number(key);
      if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
        throw wrongType(key, v, "an integer");
      }
      return (int) d;
    }

    double number(String key) {
      JsonElement v = given(key);
      if (v == null) {
        return ((Number) fallback(key)).doubleValue();
      }
      return toDouble(key, v);
    }

    Double optionalNumber(String key) {
      JsonElement v = given(key);
      return v == null ? (Double) fallback(key) : Double.valueOf(toDouble(key, v));
    }

    private double toDouble(String key, JsonElement v) {
      if (v.isJsonPrimitive()) {
        JsonPrimitive p = v.getAsJsonPrimitive();
        // Python's json writes -Infinity/Infinity/NaN unquoted; a lenient parse gives strings.
        if (p.isNumber() || p.isString()) {
          try {
            return Double.parseDouble(p.getAsString());
          } catch (NumberFormatException e) {
            throw wrongType(key, v, "a number");
          }
        }
      }
      throw wrongType(key, v, "a number");
    }

    boolean bool(String key) {
      JsonElement v = given(key);
      if (v == null) {
        return (Boolean) fallback(key);
      }
      if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean()) {
        return v.getAsBoolean();
      }
      throw wrongType(key, v, "true or false");
    }

    String string(String key) {
      JsonElement v = given(key);
      if (v == null) {
        return (String) fallback(key);
      }
      if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
        return v.getAsString();
      }
      throw wrongType(key, v, "a string");
    }

    double[] numbers(String key) {
      JsonElement v = given(key);
      if (v == null) {
        return null;
      }
      if (!v.isJsonArray()) {
        throw wrongType(key, v, "a list of numbers");
      }
      JsonArray a = v.getAsJsonArray();
      double[] out = new double[a.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = toDouble(key + "[" + i + "]", a.get(i));
      }
      return out;
    }
  }
}
