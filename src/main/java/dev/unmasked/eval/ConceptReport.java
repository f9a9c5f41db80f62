package dev.unmasked.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.report.Charts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The files of {@code eval concepts}: metrics.json (every run's metrics, each mode's mean and
 * spread over cases, the Figure-3 curves, em against fixed and against user), metrics.csv (one row
 * per run) and report.html ({@link ReportPage}), with plots drawn by {@link Charts}.
 */
public final class ConceptReport {
  public static final String METRICS_JSON = "metrics.json";
  public static final String METRICS_CSV = "metrics.csv";
  public static final String HTML = "report.html";

  private ConceptReport() {}

  static ConceptEval.Result write(List<EvalCase> cases, List<ConceptEval.Run> runs,
      ConceptEval.Settings s, double seconds) throws IOException {
    Path out = s.out();
    JsonObject m = new JsonObject();
    m.addProperty("command", s.command());
    m.addProperty("model", s.learn().model().toString());
    m.addProperty("seconds", Math.round(seconds * 10) / 10.0);
    m.addProperty("run_seconds_total", Math.round(runSeconds(runs) * 10) / 10.0);
    m.addProperty("cores", Runtime.getRuntime().availableProcessors());
    m.addProperty("machine", dev.unmasked.bench.MachineInfo.describe());
    JsonObject settings = new JsonObject();
    JsonArray modes = new JsonArray();
    s.modes().forEach(modes::add);
    settings.add("modes", modes);
    settings.addProperty("seed", s.learn().seed());
    settings.addProperty("steps", s.learn().steps());
    settings.addProperty("estep_every", s.learn().estepEvery());
    settings.add("sampling", s.sampling().toJson());
    m.add("settings", settings);
    m.add("cases", casesJson(cases));
    JsonArray rs = new JsonArray();
    for (ConceptEval.Run r : runs) {
      JsonObject o = new JsonObject();
      o.addProperty("case", r.evalCase().name());
      o.addProperty("kind", r.evalCase().kind());
      o.addProperty("mode", r.mode());
      o.addProperty("status", r.status());
      o.addProperty("error", r.error());
      o.add("metrics", ConceptMetrics.valuesJson(r.metrics()));
      JsonArray es = new JsonArray();
      for (MaskCurves.EStep e : r.esteps()) {
        JsonObject j = new JsonObject();
        j.addProperty("estep", e.estep());
        j.addProperty("step", e.step());
        j.addProperty("miou", Double.isFinite(e.meanIoU()) ? Spread.round(e.meanIoU()) : null);
        es.add(j);
      }
      o.add("esteps", es);
      rs.add(o);
    }
    m.add("runs", rs);
    Map<String, Map<String, Spread>> byMode = byMode(runs, s.modes());
    JsonObject mj = new JsonObject();
    byMode.forEach((mode, ms) -> {
      JsonObject o = new JsonObject();
      ms.forEach((k, v) -> o.add(k, v.toJson()));
      mj.add(mode, o);
    });
    m.add("modes", mj);
    Figure3 fig = Figure3.of(runs, s.modes());
    m.add("figure3", fig.toJson());
    m.add("em_vs_fixed", Comparisons.emVsFixed(runs).toJson());
    m.add("em_vs_user", Comparisons.emVsUser(runs));
    JsonArray failed = new JsonArray();
    runs.stream().filter(r -> !r.status().equals("done")).forEach(r -> {
      JsonObject o = new JsonObject();
      o.addProperty("case", r.evalCase().name());
      o.addProperty("mode", r.mode());
      o.addProperty("error", r.error());
      failed.add(o);
    });
    m.add("failures", failed);
    Path metricsFile = out.resolve(METRICS_JSON);
    AtomicFile.write(metricsFile, new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls()
        .create().toJson(m).getBytes(StandardCharsets.UTF_8));
    Path csv = out.resolve(METRICS_CSV);
    AtomicFile.write(csv, csv(runs).getBytes(StandardCharsets.UTF_8));
    plots(out, byMode, fig);
    Path html = out.resolve(HTML);
    AtomicFile.write(html, ReportPage.html(out, cases, runs, s, byMode, fig, seconds)
        .getBytes(StandardCharsets.UTF_8));
    return new ConceptEval.Result(cases, runs, m, metricsFile, csv, html, table(byMode, s.modes()));
  }

  /** Learn and scoring wall time summed over the runs (also those finished by earlier invocations). */
  static double runSeconds(List<ConceptEval.Run> runs) {
    double t = 0;
    for (ConceptEval.Run r : runs) {
      for (String k : new String[] {"cost.wall_s", "cost.score_s"}) {
        Double v = r.metrics().get(k);
        t += v != null && Double.isFinite(v) ? v : 0;
      }
    }
    return t;
  }

  private static JsonArray casesJson(List<EvalCase> cases) {
    JsonArray a = new JsonArray();
    for (EvalCase c : cases) {
      JsonObject o = new JsonObject();
      o.addProperty("name", c.name());
      o.addProperty("kind", c.kind());
      JsonArray ims = new JsonArray();
      for (EvalCase.CaseImage im : c.images()) {
        JsonObject j = new JsonObject();
        j.addProperty("image", im.image().toString());
        j.addProperty("seed", im.scene().seed());
        j.addProperty("caption", im.scene().caption());
        ims.add(j);
      }
      o.add("images", ims);
      JsonArray cs = new JsonArray();
      for (EvalCase.CaseConcept k : c.concepts()) {
        JsonObject j = new JsonObject();
        j.addProperty("token", k.token());
        j.addProperty("init", k.init());
        j.addProperty("background", k.background());
        j.addProperty("truth", k.background() ? c.backgroundOf(k).word() : c.object(k).triple().phrase());
        cs.add(j);
      }
      o.add("concepts", cs);
      a.add(o);
    }
    return a;
  }

  /** Mode -> metric -> spread over the finished runs of that mode. */
  static Map<String, Map<String, Spread>> byMode(List<ConceptEval.Run> runs, List<String> modes) {
    Map<String, Map<String, Spread>> out = new LinkedHashMap<>();
    for (String mode : modes) {
      Map<String, Spread> ms = new LinkedHashMap<>();
      for (ConceptMetrics.Metric k : ConceptMetrics.METRICS) {
        List<Double> v = new ArrayList<>();
        runs.stream().filter(r -> r.mode().equals(mode) && r.status().equals("done"))
            .forEach(r -> v.add(r.metrics().get(k.key())));
        ms.put(k.key(), Spread.of(v));
      }
      out.put(mode, ms);
    }
    return out;
  }

  static String csv(List<ConceptEval.Run> runs) {
    StringBuilder sb = new StringBuilder("case,kind,mode,status");
    ConceptMetrics.METRICS.forEach(k -> sb.append(',').append(k.key()));
    sb.append('\n');
    for (ConceptEval.Run r : runs) {
      sb.append(r.evalCase().name()).append(',').append(r.evalCase().kind()).append(',')
          .append(r.mode()).append(',').append(r.status());
      for (ConceptMetrics.Metric k : ConceptMetrics.METRICS) {
        double v = r.metrics().get(k.key());
        sb.append(',').append(Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Figure 3 and one bar chart per metric group (modes side by side). */
  private static void plots(Path out, Map<String, Map<String, Spread>> byMode, Figure3 fig)
      throws IOException {
    Charts.lines(out.resolve("report/figure3.png"),
        "Mask mIoU against the ground truth during training (mean, ±1 sd over cases)",
        "training step", "mIoU", fig.series(), true, 760, 400);
    for (String group : groups()) {
      Map<String, Map<String, Double>> values = new LinkedHashMap<>();
      for (Map.Entry<String, Map<String, Spread>> e : byMode.entrySet()) {
        Map<String, Double> v = new LinkedHashMap<>();
        for (ConceptMetrics.Metric k : ConceptMetrics.METRICS) {
          if (k.group().equals(group)) {
            double x = e.getValue().get(k.key()).mean();
            if (Double.isFinite(x)) { // no bar where a mode has no value (user and none: no E-steps)
              v.put(k.label(), x);
            }
          }
        }
        values.put(e.getKey(), v);
      }
      Charts.bars(out.resolve("report/" + fileName(group) + ".png"), group + " (mean over cases)",
          group.startsWith("cost") ? "" : "rate / mean", values, 760, 360);
    }
  }

  static List<String> groups() {
    List<String> g = new ArrayList<>();
    ConceptMetrics.METRICS.forEach(k -> {
      if (!g.contains(k.group())) {
        g.add(k.group());
      }
    });
    return g;
  }

  static String fileName(String group) {
    return "bars-" + group.replaceAll("[^a-z0-9]+", "-");
  }

  /** The printed summary: one line per metric, one column per mode. */
  static String table(Map<String, Map<String, Spread>> byMode, List<String> modes) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-36s", "metric (mean ± sd over cases)"));
    modes.forEach(md -> sb.append(String.format(Locale.ROOT, " %20s", md)));
    sb.append('\n');
    for (ConceptMetrics.Metric k : ConceptMetrics.METRICS) {
      sb.append(String.format(Locale.ROOT, "%-36s", k.label()));
      for (String md : modes) {
        Spread v = byMode.get(md).get(k.key());
        sb.append(String.format(Locale.ROOT, " %20s", v.n() == 0 ? "-"
            : String.format(Locale.ROOT, "%.3f ± %.3f", v.mean(), v.sd())));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
