package dev.unmasked.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.report.Charts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's Figure 3 over many cases: for each mode that estimates masks (em, fixed), the mIoU in
 * force at each training step ({@link MaskCurves#curve}), its mean and spread over the cases, on
 * the grid of every E-step's step and the last step.
 *
 * @param grid training steps
 * @param curves mode -> spread at each grid step
 */
public record Figure3(long[] grid, Map<String, List<Spread>> curves) {

  public static Figure3 of(List<ConceptEval.Run> runs, List<String> modes) {
    Map<String, List<List<MaskCurves.EStep>>> by = new LinkedHashMap<>();
    long last = 0;
    List<List<MaskCurves.EStep>> all = new ArrayList<>();
    for (ConceptEval.Run r : runs) {
      if (!r.status().equals("done") || r.esteps().isEmpty() || !modes.contains(r.mode())) {
        continue;
      }
      by.computeIfAbsent(r.mode(), k -> new ArrayList<>()).add(r.esteps());
      all.add(r.esteps());
      last = Math.max(last, r.steps());
    }
    long[] grid = MaskCurves.grid(all, last);
    Map<String, List<Spread>> curves = new LinkedHashMap<>();
    by.forEach((mode, rs) -> curves.put(mode, MaskCurves.spread(rs, grid)));
    return new Figure3(grid, curves);
  }

  /** Mean and mean ± sd lines per mode, drawn as steps (masks hold until the next E-step). */
  public List<Charts.Series> series() {
    List<Charts.Series> out = new ArrayList<>();
    curves.forEach((mode, ss) -> {
      List<double[]> mean = new ArrayList<>();
      List<double[]> lo = new ArrayList<>();
      List<double[]> hi = new ArrayList<>();
      for (int g = 0; g < grid.length; g++) {
        for (int k = g > 0 ? g - 1 : g; k <= g; k++) {
          Spread s = ss.get(k);
          mean.add(new double[] {grid[g], s.mean()});
          lo.add(new double[] {grid[g], s.mean() - s.sd()});
          hi.add(new double[] {grid[g], s.mean() + s.sd()});
        }
      }
      out.add(new Charts.Series(mode + " mean", mean));
      out.add(new Charts.Series(mode + " -1 sd", lo));
      out.add(new Charts.Series(mode + " +1 sd", hi));
    });
    return out;
  }

  /** The grid step where mode a's mean exceeds b's by the most in absolute terms (-1 if none). */
  public long largestGap(String a, String b) {
    List<Spread> x = curves.get(a);
    List<Spread> y = curves.get(b);
    if (x == null || y == null) {
      return -1;
    }
    long best = -1;
    double gap = -1;
    for (int g = 0; g < grid.length; g++) {
      double d = Math.abs(x.get(g).mean() - y.get(g).mean());
      if (Double.isFinite(d) && d > gap) {
        gap = d;
        best = grid[g];
      }
    }
    return best;
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    JsonArray g = new JsonArray();
    for (long s : grid) {
      g.add(s);
    }
    o.add("steps", g);
    JsonObject c = new JsonObject();
    curves.forEach((mode, ss) -> {
      JsonArray a = new JsonArray();
      ss.forEach(s -> a.add(s.toJson()));
      c.add(mode, a);
    });
    o.add("miou", c);
    o.addProperty("largest_gap_step_em_fixed", largestGap("em", "fixed"));
    return o;
  }
}
