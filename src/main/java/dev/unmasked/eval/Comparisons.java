package dev.unmasked.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's two comparisons, per case (paired: the same scenes, seed and budget): em against
 * fixed on the final mIoU (and where they differ most), em against user on concept fidelity.
 */
public final class Comparisons {
  private Comparisons() {}

  /** One case's paired values. */
  public record Pair(String evalCase, String kind, double a, double b) {
    public double diff() {
      return a - b;
    }
  }

  /** em - fixed final mIoU: every pair, their spread, the five largest differences first. */
  public record EmVsFixed(List<Pair> pairs, Spread diff, List<Pair> largest) {
    public JsonObject toJson() {
      JsonObject o = new JsonObject();
      o.add("final_miou_em_minus_fixed", diff.toJson());
      JsonArray a = new JsonArray();
      for (Pair p : largest) {
        JsonObject j = new JsonObject();
        j.addProperty("case", p.evalCase());
        j.addProperty("kind", p.kind());
        j.addProperty("em", Spread.round(p.a()));
        j.addProperty("fixed", Spread.round(p.b()));
        j.addProperty("diff", Spread.round(p.diff()));
        a.add(j);
      }
      o.add("largest_differences", a);
      return o;
    }
  }

  /** Paired values of one metric in two modes, for the cases where both are finite. */
  public static List<Pair> pairs(List<ConceptEval.Run> runs, String modeA, String modeB, String metric) {
    Map<String, ConceptEval.Run> b = new LinkedHashMap<>();
    runs.stream().filter(r -> r.mode().equals(modeB)).forEach(r -> b.put(r.evalCase().name(), r));
    List<Pair> out = new ArrayList<>();
    for (ConceptEval.Run r : runs) {
      ConceptEval.Run o = b.get(r.evalCase().name());
      if (!r.mode().equals(modeA) || o == null) {
        continue;
      }
      double x = r.metrics().get(metric);
      double y = o.metrics().get(metric);
      if (Double.isFinite(x) && Double.isFinite(y)) {
        out.add(new Pair(r.evalCase().name(), r.evalCase().kind(), x, y));
      }
    }
    return out;
  }

  public static EmVsFixed emVsFixed(List<ConceptEval.Run> runs) {
    List<Pair> ps = pairs(runs, "em", "fixed", "masks.final_miou");
    List<Pair> sorted = new ArrayList<>(ps);
    sorted.sort(Comparator.comparingDouble((Pair p) -> -Math.abs(p.diff())));
    return new EmVsFixed(ps, Spread.of(ps.stream().mapToDouble(Pair::diff).toArray()),
        sorted.subList(0, Math.min(5, sorted.size())));
  }

  /** Concept fidelity of em against user: paired differences and the ratio of the means. */
  public static JsonObject emVsUser(List<ConceptEval.Run> runs) {
    JsonObject o = new JsonObject();
    for (String k : new String[] {"concept.similarity", "concept.all", "concept.shape", "concept.color",
        "composition.two"}) {
      List<Pair> ps = pairs(runs, "em", "user", k);
      JsonObject j = new JsonObject();
      j.add("em_minus_user", Spread.of(ps.stream().mapToDouble(Pair::diff).toArray()).toJson());
      double em = Spread.of(ps.stream().mapToDouble(Pair::a).toArray()).mean();
      double user = Spread.of(ps.stream().mapToDouble(Pair::b).toArray()).mean();
      double ratio = em / user;
      j.addProperty("em_over_user", Double.isFinite(ratio) ? Spread.round(ratio) : null);
      o.add(k, j);
    }
    return o;
  }
}
