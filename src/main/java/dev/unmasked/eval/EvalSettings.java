package dev.unmasked.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * How much {@code eval base} measures. From {@code --samples N}: N single-object prompts, ceil(N/2)
 * two-object prompts, 2N scenes for the autoencoder and N two-object scenes for the attention maps.
 *
 * @param seed shifts every scene seed and the prompt choice (see {@link BaseModelEval#FIRST_SCENE})
 */
public record EvalSettings(int singlePrompts, int pairPrompts, int vaeScenes, int attentionScenes,
    long[] timesteps, long seed, boolean quick) {
  public static final int DEFAULT_SAMPLES = 80;
  public static final int QUICK_SAMPLES = 10;
  public static final long[] TIMESTEPS = {100, 300, 500, 700};

  /** {@code samples} null: 80, or 10 with {@code quick}. */
  public static EvalSettings of(Integer samples, long seed, boolean quick) {
    int n = samples != null ? samples : quick ? QUICK_SAMPLES : DEFAULT_SAMPLES;
    if (n < 1) {
      throw new IllegalArgumentException("samples must be at least 1, got " + n);
    }
    return new EvalSettings(n, (n + 1) / 2, 2 * n, n, TIMESTEPS.clone(), seed, quick);
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("single_object_prompts", singlePrompts);
    o.addProperty("two_object_prompts", pairPrompts);
    o.addProperty("vae_scenes", vaeScenes);
    o.addProperty("attention_scenes", attentionScenes);
    JsonArray t = new JsonArray();
    for (long x : timesteps) {
      t.add(x);
    }
    o.add("attention_timesteps", t);
    o.addProperty("seed", seed);
    o.addProperty("quick", quick);
    return o;
  }
}
