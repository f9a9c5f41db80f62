package dev.unmasked.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a model is sampled by default: {@code generation_defaults.json} in the model folder when
 * present ({@code {"steps": 25, "guidance": 4.0, "scheduler": "ddim"}}, every key optional), else 25
 * steps, guidance 4.0 and the scheduler of the model's {@code scheduler_config.json}.
 *
 * @param scheduler a scheduler name for {@code Schedulers.fromConfig}, or null for the model's own
 */
public record GenerationDefaults(int steps, double guidance, String scheduler) {
  public static final String FILE = "generation_defaults.json";
  public static final GenerationDefaults BUILT_IN = new GenerationDefaults(25, 4.0, null);

  public static GenerationDefaults read(Path modelDir) {
    Path f = modelDir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      return BUILT_IN;
    }
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw new UserError(f + ": expected a JSON object with steps, guidance and scheduler");
      }
      o = e.getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      if (e instanceof UserError u) {
        throw u;
      }
      throw new UserError(f + ": cannot read it (" + e.getMessage() + "); fix or delete the file");
    }
    try {
      int steps = o.has("steps") ? o.get("steps").getAsInt() : BUILT_IN.steps;
      double guidance = o.has("guidance") ? o.get("guidance").getAsDouble() : BUILT_IN.guidance;
      String sched = o.has("scheduler") && !o.get("scheduler").isJsonNull()
          ? o.get("scheduler").getAsString() : null;
      if (steps < 1 || !(guidance >= 0)) {
        throw new UserError(f + ": steps must be >= 1 and guidance >= 0, got " + steps + " and " + guidance);
      }
      return new GenerationDefaults(steps, guidance, sched);
    } catch (ClassCastException | IllegalStateException | NumberFormatException e) {
      throw new UserError(f + ": steps must be an integer, guidance a number and scheduler a name ("
          + e.getMessage() + ")");
    }
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("steps", steps);
    o.addProperty("guidance", guidance);
    o.addProperty("scheduler", scheduler);
    return o;
  }
}
