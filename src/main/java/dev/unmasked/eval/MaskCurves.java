package dev.unmasked.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Mask IoU against the ground truth over a run's E-steps, from the run's {@code masks.csv} (columns
 * estep, step, image, concept, area, iou_previous, iou_truth, truth), and the paper's Figure 3 over
 * many runs: the masks in force at training step s are those of the last E-step at or before s, so a
 * run's mIoU is a step function of s (flat after its last E-step, and flat throughout in mode fixed).
 */
public final class MaskCurves {
  private MaskCurves() {}

  /**
   * One E-step's masks scored against the truth.
   *
   * @param iou "image token" -> IoU with the matched truth region, for the masks that had one
   * @param truth "image token" -> the region it was matched to (e.g. "object 1 (plain red star)")
   */
  public record EStep(int estep, long step, Map<String, Double> iou, Map<String, String> truth) {
    /** Mean IoU over the concepts and images of this E-step; NaN with no truth. */
    public double meanIoU() {
      return Spread.of(iou.values()).mean();
    }
  }

  public static List<EStep> read(Path masksCsv) throws IOException {
    if (!Files.isRegularFile(masksCsv)) {
      return List.of();
    }
    return parse(Files.readAllLines(masksCsv, StandardCharsets.UTF_8));
  }

  /** Rows of masks.csv (the header first) grouped by E-step, in order. */
  public static List<EStep> parse(List<String> lines) {
    Map<Integer, EStep> by = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      int e = Integer.parseInt(f[0]);
      long step = Long.parseLong(f[1]);
      EStep s = by.computeIfAbsent(e, k -> new EStep(k, step, new LinkedHashMap<>(), new LinkedHashMap<>()));
      String key = f[2] + " " + f[3];
      if (f.length > 6 && !f[6].isEmpty()) {
        s.iou().put(key, Double.parseDouble(f[6]));
        s.truth().put(key, f.length > 7 ? f[7] : "");
      }
    }
    return new ArrayList<>(by.values());
  }

  /** The mIoU in force at each grid step (NaN before the first E-step or without truth). */
  public static double[] curve(List<EStep> esteps, long[] grid) {
    double[] out = new double[grid.length];
    for (int g = 0; g < grid.length; g++) {
      double v = Double.NaN;
      for (EStep e : esteps) {
        if (e.step() <= grid[g]) {
          v = e.meanIoU();
        }
      }
      out[g] = v;
    }
    return out;
  }

  /** The mIoU the run ended with (its last E-step's); NaN without E-steps. */
  public static double last(List<EStep> esteps) {
    return esteps.isEmpty() ? Double.NaN : esteps.get(esteps.size() - 1).meanIoU();
  }

  /** The first E-step's mIoU (what mode fixed keeps); NaN without E-steps. */
  public static double first(List<EStep> esteps) {
    return esteps.isEmpty() ? Double.NaN : esteps.get(0).meanIoU();
  }

  /** Every E-step's step in any run, and {@code lastStep}: the common grid of the plot. */
  public static long[] grid(List<List<EStep>> runs, long lastStep) {
    TreeSet<Long> steps = new TreeSet<>();
    for (List<EStep> r : runs) {
      r.forEach(e -> steps.add(e.step()));
    }
    steps.add(lastStep);
    return steps.stream().mapToLong(Long::longValue).toArray();
  }

  /** Mean and spread over runs at each grid step. */
  public static List<Spread> spread(List<List<EStep>> runs, long[] grid) {
    List<double[]> curves = new ArrayList<>();
    runs.forEach(r -> curves.add(curve(r, grid)));
    List<Spread> out = new ArrayList<>();
    for (int g = 0; g < grid.length; g++) {
      double[] at = new double[curves.size()];
      for (int i = 0; i < at.length; i++) {
        at[i] = curves.get(i)[g];
      }
      out.add(Spread.of(at));
    }
    return out;
  }
}
