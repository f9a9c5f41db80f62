package dev.unmasked.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Plots for reports, drawn by JFreeChart and written as PNG (atomically). */
public final class Charts {
  private Charts() {}

  /** A named series of (x, y) points. */
  public record Series(String name, List<double[]> points) {}

  public static void lines(Path png, String title, String xLabel, String yLabel, List<Series> series,
      boolean shapes, int width, int height) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Series s : series) {
      XYSeries xy = new XYSeries(s.name(), false, true);
      for (double[] p : s.points()) {
        if (Double.isFinite(p[1])) {
          xy.add(p[0], p[1]);
        }
      }
      data.addSeries(xy);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data,
        PlotOrientation.VERTICAL, series.size() > 1, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesStroke(i, new BasicStroke(1.6f));
    }
    plot.setRenderer(r);
    write(png, chart, width, height);
  }

  /** Grouped bars: values.get(group).get(category). */
  public static void bars(Path png, String title, String yLabel,
      Map<String, Map<String, Double>> values, int width, int height) throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Map.Entry<String, Map<String, Double>> g : values.entrySet()) {
      for (Map.Entry<String, Double> c : g.getValue().entrySet()) {
        data.addValue(c.getValue(), g.getKey(), c.getKey());
      }
    }
    JFreeChart chart = ChartFactory.createBarChart(title, "", yLabel, data, PlotOrientation.VERTICAL,
        values.size() > 1, false, false);
    chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
    chart.getCategoryPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
    write(png, chart, width, height);
  }

  /** Series from a map name -> points, in order. */
  public static List<Series> series(LinkedHashMap<String, List<double[]>> byName) {
    return byName.entrySet().stream().map(e -> new Series(e.getKey(), e.getValue())).toList();
  }

  private static void write(Path png, JFreeChart chart, int w, int h) throws IOException {
    chart.setBackgroundPaint(Color.WHITE);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ChartUtils.writeChartAsPNG(bytes, chart, w, h);
    java.nio.file.Files.createDirectories(png.toAbsolutePath().getParent());
    dev.unmasked.io.AtomicFile.write(png, bytes.toByteArray());
  }
}
