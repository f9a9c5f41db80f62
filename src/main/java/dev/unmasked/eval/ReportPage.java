package dev.unmasked.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * report.html of {@code eval concepts}: the summary table, the Figure-3 plot, em against fixed and
 * against user, bars per metric group, the failure cases, and a gallery per case (scene images,
 * masks over E-steps in the modes that estimate them, each mode's generations). Images are linked
 * by paths relative to the output folder, so the folder can be moved as a whole.
 */
final class ReportPage {
  private ReportPage() {}

  static String html(Path out, List<EvalCase> cases, List<ConceptEval.Run> runs, ConceptEval.Settings s,
      Map<String, Map<String, Spread>> byMode, Figure3 fig, double seconds) throws IOException {
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><meta charset=utf-8><title>unmasked eval concepts</title><style>"
        + "body{font-family:sans-serif;margin:2em;max-width:1300px}img{image-rendering:pixelated;"
        + "margin:2px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;"
        + "font-size:13px;vertical-align:top}.g td{border:none;text-align:center;font-size:11px}"
        + "</style><h1>eval concepts</h1>");
    h.append("<p><code>").append(esc(s.command())).append("</code><br>").append(cases.size())
        .append(" cases, modes ").append(esc(String.join(", ", s.modes()))).append(", model ")
        .append(esc(s.learn().model().toString())).append(String.format(Locale.ROOT,
            "; this invocation %.1f min, learning and scoring of all runs %.1f min (summed), on ",
            seconds / 60, ConceptReport.runSeconds(runs) / 60)).append(esc(dev.unmasked.bench.MachineInfo.describe())).append(".</p>");
    // 1. Summary.
    h.append("<h2>Summary (mean ± sd over cases, n)</h2><table><tr><th>metric</th>");
    s.modes().forEach(m -> h.append("<th>").append(esc(m)).append("</th>"));
    h.append("</tr>");
    for (ConceptMetrics.Metric k : ConceptMetrics.METRICS) {
      h.append("<tr><td>").append(esc(k.label())).append("</td>");
      for (String m : s.modes()) {
        h.append("<td>").append(esc(byMode.get(m).get(k.key()).describe())).append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</table><p>Concept fidelity: each object concept alone on new backgrounds, read by the "
        + "judge; similarity is the cosine of judge features with the masked reference (the object's "
        + "true visible pixels on a plain render of the requested background). Leaks: the scene's "
        + "own background, or another object's color, seen in a sample. Diversity: mean pairwise "
        + "1 - cosine among the samples of one prompt. Memory of in-process runs is the JVM's peak "
        + "during the run (VmHWM after a reset).</p>");
    // 2. Figure 3 and the comparisons.
    h.append("<h2>Masks during training (the paper's Figure 3)</h2><img src='report/figure3.png'>");
    Comparisons.EmVsFixed ef = Comparisons.emVsFixed(runs);
    h.append("<p>Final mIoU, em - fixed: ").append(esc(ef.diff().describe()))
        .append("; the mean curves differ most at step ").append(fig.largestGap("em", "fixed"))
        .append(".</p><table><tr><th>case</th><th>kind</th><th>em</th><th>fixed</th><th>em - fixed</th></tr>");
    for (Comparisons.Pair p : ef.largest()) {
      h.append(String.format(Locale.ROOT, "<tr><td><a href='#%s'>%s</a></td><td>%s</td><td>%.3f</td>"
          + "<td>%.3f</td><td>%+.3f</td></tr>", esc(p.evalCase()), esc(p.evalCase()), esc(p.kind()),
          p.a(), p.b(), p.diff()));
    }
    h.append("</table><h2>em against user masks (Break-a-Scene)</h2><table><tr><th>metric</th>"
        + "<th>em - user (paired over cases)</th><th>em / user (means)</th></tr>");
    var eu = Comparisons.emVsUser(runs);
    for (String k : eu.keySet()) {
      var j = eu.getAsJsonObject(k);
      Spread d = spreadOf(j.getAsJsonObject("em_minus_user"));
      h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(d.describe()))
          .append("</td><td>").append(j.get("em_over_user").isJsonNull() ? "-"
              : String.format(Locale.ROOT, "%.3f", j.get("em_over_user").getAsDouble())).append("</td></tr>");
    }
    h.append("</table><h2>Every metric per mode</h2>");
    for (String g : ConceptReport.groups()) {
      h.append("<img src='report/").append(ConceptReport.fileName(g)).append(".png'>");
    }
    // 3. Failures.
    h.append("<h2>Failure cases</h2>");
    runs.stream().filter(r -> !r.status().equals("done")).forEach(r -> h.append("<p><b>")
        .append(esc(r.evalCase().name() + " " + r.mode())).append("</b> did not finish: ")
        .append(esc(String.valueOf(r.error()))).append("</p>"));
    List<ConceptEval.Run> worst = new ArrayList<>();
    worst.addAll(lowest(runs, "em", "masks.final_miou", 3));
    lowest(runs, null, "concept.all", 3).stream().filter(r -> !worst.contains(r)).forEach(worst::add);
    h.append("<p>The em runs with the lowest final mIoU and the runs with the fewest fully right "
        + "concept samples:</p><table class=g><tr>");
    for (ConceptEval.Run r : worst) {
      h.append("<td><a href='#").append(esc(r.evalCase().name())).append("'>")
          .append(esc(r.evalCase().name() + " " + r.mode())).append("</a><br>")
          .append(String.format(Locale.ROOT, "mIoU %.3f, all right %.3f",
              r.metrics().get("masks.final_miou"), r.metrics().get("concept.all"))).append("<br>");
      for (EvalCase.CaseImage im : r.evalCase().images()) {
        img(h, out, r.dir().resolve("final/masks").resolve(im.stem()).resolve("overlay.png"), 160);
      }
      img(h, out, r.dir().resolve(ConceptEval.GRID), 320);
      h.append("</td>");
    }
    h.append("</tr></table>");
    // 4. Gallery.
    h.append("<h2>Cases</h2>");
    for (EvalCase c : cases) {
      gallery(h, out, c, runs);
    }
    return h.toString();
  }

  private static void gallery(StringBuilder h, Path out, EvalCase c, List<ConceptEval.Run> runs)
      throws IOException {
    h.append("<h3 id='").append(esc(c.name())).append("'>").append(esc(c.name())).append(" (")
        .append(esc(c.kind())).append(")</h3><p>");
    for (EvalCase.CaseImage im : c.images()) {
      img(h, out, im.image(), 128);
    }
    h.append("<br>");
    for (EvalCase.CaseConcept k : c.concepts()) {
      h.append(esc(k.token())).append(" = ").append(esc(k.init())).append(" (truth: ")
          .append(esc(k.background() ? c.backgroundOf(k).word() + " background" : c.object(k).triple().phrase()))
          .append(") ");
    }
    h.append("</p>");
    for (ConceptEval.Run r : runs) {
      if (r.evalCase() != c) {
        continue;
      }
      h.append("<p><b>").append(esc(r.mode())).append("</b> ");
      if (!r.status().equals("done")) {
        h.append("not finished: ").append(esc(String.valueOf(r.error()))).append("</p>");
        continue;
      }
      h.append(String.format(Locale.ROOT, "final mIoU %s, concept all-right %s, similarity %s",
          fmt(r.metrics().get("masks.final_miou")), fmt(r.metrics().get("concept.all")),
          fmt(r.metrics().get("concept.similarity")))).append("</p><table class=g><tr>");
      for (EvalCase.CaseImage im : c.images()) {
        for (Path step : steps(r.dir())) {
          Path p = step.resolve(im.stem()).resolve("overlay.png");
          if (Files.isRegularFile(p)) {
            h.append("<td>");
            img(h, out, p, 128);
            h.append("<br>").append(esc(im.stem())).append(", ").append(esc(step.getFileName().toString()))
                .append("</td>");
          }
        }
      }
      h.append("<td>");
      img(h, out, r.dir().resolve(ConceptEval.GRID), 480);
      h.append("<br>generations</td></tr></table>");
    }
  }

  /** masks/step-NNNNN folders of a run, in order. */
  private static List<Path> steps(Path run) throws IOException {
    Path m = run.resolve("masks");
    if (!Files.isDirectory(m)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(m)) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  private static List<ConceptEval.Run> lowest(List<ConceptEval.Run> runs, String mode, String metric, int n) {
    return runs.stream().filter(r -> r.status().equals("done") && (mode == null || r.mode().equals(mode))
            && Double.isFinite(r.metrics().get(metric)))
        .sorted(Comparator.comparingDouble(r -> r.metrics().get(metric))).limit(n).toList();
  }

  private static void img(StringBuilder h, Path out, Path file, int width) {
    if (!Files.isRegularFile(file)) {
      return;
    }
    String rel = out.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize()).toString()
        .replace('\\', '/');
    h.append("<img src='").append(esc(rel)).append("' width=").append(width).append('>');
  }

  private static Spread spreadOf(com.google.gson.JsonObject o) {
    if (o.get("n").getAsInt() == 0) {
      return Spread.of();
    }
    return new Spread(o.get("mean").getAsDouble(), o.get("sd").getAsDouble(), o.get("n").getAsInt(),
        o.get("min").getAsDouble(), o.get("max").getAsDouble());
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "-";
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
