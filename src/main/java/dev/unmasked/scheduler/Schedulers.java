package dev.unmasked.scheduler;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Builds a {@link Scheduler} from a diffusers {@code scheduler_config.json}, optionally as another
 * scheduler than the one the file names: like diffusers' {@code XScheduler.from_config(config)},
 * the target reads the keys it knows from the same JSON and uses its own defaults for the rest.
 *
 * <p>Names: {@code ddim}, {@code euler}, {@code euler-a}, {@code pndm}, {@code dpmpp-2m}, {@code
 * ddpm}, or the diffusers class names DDIMScheduler, EulerDiscreteScheduler,
 * EulerAncestralDiscreteScheduler, PNDMScheduler, DPMSolverMultistepScheduler, DDPMScheduler.
 */
public final class Schedulers {

  /** diffusers schedulers that exist but are not implemented here (for a precise message). */
  private static final Set<String> KNOWN_UNSUPPORTED =
      Set.of(
          "LMSDiscreteScheduler",
          "HeunDiscreteScheduler",
          "KDPM2DiscreteScheduler",
          "KDPM2AncestralDiscreteScheduler",
          "DPMSolverSinglestepScheduler",
          "DPMSolverSDEScheduler",
          "DEISMultistepScheduler",
          "UniPCMultistepScheduler",
          "LCMScheduler",
          "EDMEulerScheduler",
          "TCDScheduler",
          "DDPMWuerstchenScheduler",
          "ScoreSdeVeScheduler",
          "KarrasVeScheduler",
          "RePaintScheduler",
          "IPNDMScheduler");

  private Schedulers() {}

  /**
   * Reads {@code path} (a {@code scheduler_config.json}, a folder holding one, or a pipeline folder
   * with {@code scheduler/scheduler_config.json}) and builds the scheduler.
   *
   * @param overrideName a short or class name to use instead of the file's {@code _class_name}, or
   *     null to use the file's
   * @throws UserError if the file is missing or unreadable, or a name or value is not supported
   */
  public static Scheduler fromConfig(Path path, String overrideName) {
    Path file = resolve(path);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError(file + ": cannot read scheduler config (" + e.getMessage() + ")", e);
    }
    JsonElement root;
    try {
      // Lenient parsing: Python's json writes -Infinity (lambda_min_clipped) unquoted.
      root = JsonParser.parseString(text);
    } catch (RuntimeException e) {
      throw new UserError(file + ": not valid JSON (" + e.getMessage() + ")", e);
    }
    if (!root.isJsonObject()) {
      throw new UserError(file + ": a scheduler config must be a JSON object");
    }
    return fromConfig(root.getAsJsonObject(), overrideName, file.toString());
  }

  /** {@link #fromConfig(Path, String)} for an already parsed config. */
  public static Scheduler fromConfig(JsonObject json, String overrideName) {
    return fromConfig(json, overrideName, "scheduler config");
  }

  /**
   * Builds the scheduler; {@code source} names the config in error messages.
   *
   * @throws UserError if the name or a config value is not supported
   */
  public static Scheduler fromConfig(JsonObject json, String overrideName, String source) {
    String name = overrideName;
    if (name == null || name.isBlank()) {
      JsonElement cls = json.get("_class_name");
      if (cls == null || !cls.isJsonPrimitive()) {
        throw new UserError(
            source + ": has no _class_name; choose a scheduler explicitly, one of "
                + SchedulerType.choices());
      }
      name = cls.getAsString();
    }
    SchedulerType type = type(name, source);
    return create(type, SchedulerConfig.parse(json, type, source));
  }

  /** Builds a scheduler of {@code type} from a parsed config. */
  public static Scheduler create(SchedulerType type, SchedulerConfig config) {
    switch (type) {
      case DDPM:
        return new DDPMScheduler(config);
      case DDIM:
        return new DDIMScheduler(config);
      case EULER:
        return new EulerDiscreteScheduler(config);
      case EULER_ANCESTRAL:
        return new EulerAncestralDiscreteScheduler(config);
      case PNDM:
        return new PNDMScheduler(config);
      case DPMPP_2M:
        return new DPMSolverMultistepScheduler(config);
      default:
        throw new AssertionError(type);
    }
  }

  private static SchedulerType type(String name, String source) {
    SchedulerType t = typeOrNull(name);
    if (t != null) {
      return t;
    }
    String what =
        KNOWN_UNSUPPORTED.contains(name.trim())
            ? "scheduler " + name.trim() + " is not supported"
            : "unknown scheduler '" + name + "'";
    throw new UserError(source + ": " + what + ", use one of " + SchedulerType.choices());
  }

  private static SchedulerType typeOrNull(String name) {
    try {
      return SchedulerType.byName(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Path resolve(Path path) {
    if (Files.isDirectory(path)) {
      for (Path p :
          new Path[] {
            path.resolve("scheduler_config.json"), path.resolve("scheduler/scheduler_config.json")
          }) {
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
      throw new UserError(
          path + ": no scheduler_config.json here or in scheduler/; pass the config file itself");
    }
    if (!Files.isRegularFile(path)) {
      throw new UserError(path + ": scheduler config file not found");
    }
    return path;
  }
}
