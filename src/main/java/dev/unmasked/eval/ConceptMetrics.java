package dev.unmasked.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one {@code eval concepts} run, by name, in a fixed order: rates ({@link Tally}),
 * means ({@link Mean}) and plain values. {@link #METRICS} lists every name with its label and the
 * group it is plotted in; a run that has no data for one (mode none has no masks, a one-object case
 * no composition) leaves it NaN.
 */
public final class ConceptMetrics {
  /** A metric: its key in metrics.json/csv, a label for the report, its plot group. */
  public record Metric(String key, String label, String group) {}

  public static final List<Metric> METRICS = List.of(
      new Metric("masks.first_miou", "mIoU, first E-step", "masks"),
      new Metric("masks.final_miou", "mIoU, final masks", "masks"),
      new Metric("masks.esteps", "E-steps", "e-steps"),
      new Metric("concept.shape", "shape right", "concept fidelity"),
      new Metric("concept.color", "color right", "concept fidelity"),
      new Metric("concept.pattern", "pattern right", "concept fidelity"),
      new Metric("concept.all", "all three right", "concept fidelity"),
      new Metric("concept.similarity", "similarity to masked reference", "concept fidelity"),
      new Metric("prompt.background", "requested background", "prompt fidelity"),
      new Metric("prompt.leak_background", "leaked scene background", "prompt fidelity"),
      new Metric("prompt.leak_color", "leaked other object's color", "prompt fidelity"),
      new Metric("composition.two", "two concepts, all present", "composition"),
      new Metric("composition.three", "three concepts, all present", "composition"),
      new Metric("composition.background", "composition, requested background", "composition"),
      new Metric("learned_background.background", "on learned background: background", "composition"),
      new Metric("learned_background.object", "on learned background: object", "composition"),
      new Metric("diversity", "mean pairwise judge distance", "diversity"),
      new Metric("cost.wall_s", "learn wall time, s", "cost: time"),
      new Metric("cost.score_s", "scoring wall time, s", "cost: time"),
      new Metric("cost.peak_rss_mb", "peak RSS, MB", "cost: memory"));

  private final Map<String, Tally> tallies = new LinkedHashMap<>();
  private final Map<String, Mean> means = new LinkedHashMap<>();
  private final Map<String, Double> values = new LinkedHashMap<>();

  public Tally tally(String key) {
    return tallies.computeIfAbsent(check(key), k -> new Tally());
  }

  public Mean mean(String key) {
    return means.computeIfAbsent(check(key), k -> new Mean());
  }

  public void put(String key, double v) {
    values.put(check(key), v);
  }

  private static String check(String key) {
    if (METRICS.stream().noneMatch(m -> m.key().equals(key))) {
      throw new IllegalArgumentException("unknown metric " + key);
    }
    return key;
  }

  /** Every metric of {@link #METRICS}, NaN where there was nothing to count. */
  public Map<String, Double> values() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Metric m : METRICS) {
      double v = Double.NaN;
      if (tallies.containsKey(m.key())) {
        v = tallies.get(m.key()).rate();
      } else if (means.containsKey(m.key())) {
        v = means.get(m.key()).value();
      } else if (values.containsKey(m.key())) {
        v = values.get(m.key());
      }
      out.put(m.key(), v);
    }
    return out;
  }

  /** Counts behind the rates and means (samples, prompts). */
  public Map<String, Integer> counts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    tallies.forEach((k, t) -> out.put(k, t.n()));
    means.forEach((k, m) -> out.put(k, m.n()));
    return out;
  }

  /** {@code {"values": {key: number or null}, "counts": {key: n}}}. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.add("values", valuesJson(values()));
    JsonObject c = new JsonObject();
    counts().forEach(c::addProperty);
    o.add("counts", c);
    return o;
  }

  static JsonObject valuesJson(Map<String, Double> vs) {
    JsonObject v = new JsonObject();
    vs.forEach((k, x) -> v.addProperty(k, Double.isFinite(x) ? Spread.round(x) : null));
    return v;
  }

  /** The values of {@link #toJson}'s "values" object (null: NaN). */
  public static Map<String, Double> readValues(JsonObject values) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Metric m : METRICS) {
      JsonElement e = values.get(m.key());
      out.put(m.key(), e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble());
    }
    return out;
  }
}
