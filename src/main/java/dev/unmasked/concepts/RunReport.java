package dev.unmasked.concepts;

import dev.unmasked.io.AtomicFile;
import dev.unmasked.report.Charts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code report.html} of a run, from its own files (so a resumed run reports the whole history): the
 * loss plot, the IoU-with-truth-over-steps plot when the truth is known (the paper's Figure 3), the
 * masks of every E-step as overlays, and the samples.
 */
final class RunReport {
  private RunReport() {}

  static void write(Path dir, List<InputImage> images, List<ConceptSpec> concepts) throws IOException {
    List<String[]> loss = csv(dir.resolve("loss.csv"));
    LinkedHashMap<String, List<double[]>> lossSeries = new LinkedHashMap<>();
    for (String[] r : loss) {
      add(lossSeries, "total (phase " + r[1] + ")", r[0], r[2]);
      add(lossSeries, "masked diffusion", r[0], r[3]);
      if (r.length > 4 && !r[4].isEmpty()) {
        add(lossSeries, "cross-attention", r[0], r[4]);
      }
    }
    Charts.lines(dir.resolve("report/loss.png"), "Training loss", "step", "loss",
        Charts.series(lossSeries), false, 720, 360);
    List<String[]> masks = csv(dir.resolve("masks.csv"));
    LinkedHashMap<String, List<double[]>> iou = new LinkedHashMap<>();
    TreeMap<Long, String> steps = new TreeMap<>();
    for (String[] r : masks) {
      steps.put(Long.parseLong(r[1]), r[0]);
      if (r.length > 6 && !r[6].isEmpty()) {
        add(iou, r[2] + " " + r[3], r[1], r[6]);
      }
    }
    boolean hasTruth = !iou.isEmpty();
    if (hasTruth) {
      Charts.lines(dir.resolve("report/iou.png"), "Mask IoU with the ground truth per E-step",
          "training step", "IoU", Charts.series(iou), true, 720, 360);
    }
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><meta charset=utf-8><title>unmasked learn: ").append(esc(dir.getFileName().toString()))
        .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
            + "img{image-rendering:pixelated;margin:2px}td{text-align:center;font-size:12px;"
            + "vertical-align:top}</style>");
    h.append("<h1>").append(esc(dir.getFileName().toString())).append("</h1><p>Concepts: ");
    for (int k = 0; k < concepts.size(); k++) {
      ConceptSpec c = concepts.get(k);
      h.append("<span style='color:").append(RunFolder.COLORS[k % RunFolder.COLORS.length]).append("'>&#9632; ")
          .append(esc(c.token())).append("</span>").append(c.initWords() == null ? "" : " (" + esc(c.initWords()) + ")")
          .append(c.background() ? " background" : "").append(k + 1 < concepts.size() ? ", " : "");
    }
    h.append("</p><h2>Loss</h2><img src='report/loss.png'>");
    if (hasTruth) {
      h.append("<h2>Masks against the ground truth</h2><img src='report/iou.png'>");
    }
    h.append("<h2>Masks over E-steps</h2>");
    for (InputImage im : images) {
      h.append("<h3>").append(esc(im.stem())).append("</h3><table><tr>");
      for (Map.Entry<Long, String> s : steps.entrySet()) {
        String rel = String.format("masks/step-%05d/%s/overlay.png", s.getKey(), im.stem());
        if (Files.exists(dir.resolve(rel))) {
          h.append("<td><img src='").append(rel).append("' width=192><br>E-step ").append(s.getValue())
              .append(", step ").append(s.getKey()).append("</td>");
        }
      }
      h.append("</tr></table>");
    }
    h.append("<h2>Samples</h2>");
    Path samples = dir.resolve("samples");
    if (Files.isDirectory(samples)) {
      try (Stream<Path> files = Files.list(samples)) {
        for (Path p : files.sorted().toList()) {
          h.append("<p>").append(esc(p.getFileName().toString())).append("<br><img src='samples/")
              .append(esc(p.getFileName().toString())).append("'></p>");
        }
      }
    }
    h.append("<h2>Files</h2><p>learned_embeds.safetensors (diffusers), a1111/*.safetensors"
        + " (A1111/kohya emb_params), final/masks/, masks.csv, loss.csv, run.json.</p>");
    AtomicFile.write(dir.resolve("report.html"), h.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void add(Map<String, List<double[]>> m, String name, String x, String y) {
    if (y == null || y.isEmpty()) {
      return;
    }
    m.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {Double.parseDouble(x),
        Double.parseDouble(y)});
  }

  private static List<String[]> csv(Path p) throws IOException {
    List<String[]> rows = new ArrayList<>();
    if (!Files.exists(p)) {
      return rows;
    }
    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
    for (int i = 1; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        rows.add(lines.get(i).split(",", -1));
      }
    }
    return rows;
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
