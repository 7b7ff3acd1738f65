package dev.magnet.spark.report;

import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots as XChart charts of their {@link Plot}'s size, and their PNG encoding. Non-finite values (a diverged loss, a
 * metric that could not be computed) are left out of a series; a plot with nothing left to draw
 * is not made at all.
 */
final class ReportCharts {
  static {
    // Charts are drawn into images, never on a screen: do not let AWT look for a display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Matplotlib's tab10, then tab20's light shades: distinct on white and on each other. */
  private static final Color[] PALETTE = colours(0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b,
      0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94,
      0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5);
  /** Past this many classes a legend would be taller than the plot: the page lists the classes instead. */
  static final int MAX_LEGEND_CLASSES = 30;
  /** The legend entry and series name of the centroids. */
  static final String CENTROIDS = "cluster centroids";
  /** The five phases of an epoch, in the order they run. */
  private static final List<String> PHASES = List.of("embed", "index", "plan", "materialise", "fit");
  private static final List<ToDoubleFunction<SparkEpochMetrics>> PHASE_SECONDS = List.of(
      SparkEpochMetrics::embedSeconds, SparkEpochMetrics::indexSeconds, SparkEpochMetrics::planSeconds,
      SparkEpochMetrics::materialiseSeconds, SparkEpochMetrics::fitSeconds);

  private ReportCharts() {}

  /** The training loss per epoch. */
  static Optional<XYChart> loss(List<SparkEpochMetrics> epochs) {
    XYChart chart = xyChart(Plot.LOSS, "epoch", "mean training loss");
    chart.getStyler().setLegendVisible(false);
    boolean drawn = addSeries(chart, "training loss", epochs, SparkEpochMetrics::loss, PALETTE[0]);
    return drawn ? Optional.of(chart) : Optional.empty();
  }

  /** Every held-out metric that some epoch has, one line each. */
  static Optional<XYChart> validation(List<SparkEpochMetrics> epochs) {
    Set<String> names = new LinkedHashSet<>();
    epochs.forEach(e -> names.addAll(e.validation().keySet()));
    XYChart chart = xyChart(Plot.VALIDATION, "epoch", "held-out metric");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    boolean drawn = false;
    boolean unitInterval = true;
    int i = 0;
    for (String name : names) {
      drawn |= addSeries(chart, name, epochs, e -> e.validation().getOrDefault(name, Double.NaN),
          PALETTE[i++ % PALETTE.length]);
      for (SparkEpochMetrics e : epochs) {
        double v = e.validation().getOrDefault(name, 0.0);
        unitInterval &= !Double.isFinite(v) || (v >= 0 && v <= 1);
      }
    }
    if (unitInterval) {
      chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    }
    return drawn ? Optional.of(chart) : Optional.empty();
  }

  /** Seconds per phase per epoch, stacked. */
  static Optional<CategoryChart> phases(List<SparkEpochMetrics> epochs) {
    if (epochs.isEmpty()) {
      return Optional.empty();
    }
    CategoryChart chart = new CategoryChartBuilder().width(Plot.PHASES.width()).height(Plot.PHASES.height())
        .title(Plot.PHASES.caption()).xAxisTitle("epoch").yAxisTitle("seconds").build();
    style(chart);
    chart.getStyler().setStacked(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setXAxisMaxLabelCount(25);
    List<String> labels = epochs.stream().map(e -> Integer.toString(e.epoch())).toList();
    for (int p = 0; p < PHASES.size(); p++) {
      ToDoubleFunction<SparkEpochMetrics> seconds = PHASE_SECONDS.get(p);
      List<Double> values = epochs.stream().map(e -> {
        double s = seconds.applyAsDouble(e);
        return Double.isFinite(s) && s > 0 ? s : 0.0;
      }).toList();
      chart.addSeries(PHASES.get(p), labels, values).setFillColor(PALETTE[p]);
    }
    return Optional.of(chart);
  }

  /**
   * The sample coloured by class, the centroids as black crosses on top; the legend names the
   * classes by their labels (when there are at most {@link #MAX_LEGEND_CLASSES}).
   */
  static XYChart projection(Projection projection, List<String> labelNames) {
    XYChart chart = xyChart(Plot.PROJECTION, axisTitle(1, projection.explained()[0]),
        axisTitle(2, projection.explained()[1]));
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(5);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setLegendVisible(labelNames.size() <= MAX_LEGEND_CLASSES);
    for (int c = 0; c < labelNames.size(); c++) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < projection.points().length; i++) {
        if (projection.labels()[i] == c) {
          xs.add(projection.points()[i][0]);
          ys.add(projection.points()[i][1]);
        }
      }
      if (!xs.isEmpty()) {
        chart.addSeries(labelNames.get(c), xs, ys).setMarker(SeriesMarkers.CIRCLE).setMarkerColor(classColour(c));
      }
    }
    List<Double> cx = new ArrayList<>();
    List<Double> cy = new ArrayList<>();
    for (double[] centroid : projection.centroids()) {
      cx.add(centroid[0]);
      cy.add(centroid[1]);
    }
    chart.addSeries(CENTROIDS, cx, cy).setMarker(new CentroidMarker()).setMarkerColor(Color.BLACK);
    return chart;
  }

  /** The colour of class {@code c}: the palette, then hues spaced by the golden angle. */
  static Color classColour(int c) {
    if (c < PALETTE.length) {
      return PALETTE[c];
    }
    return Color.getHSBColor((float) ((c * 0.618033988749895) % 1.0), 0.65f, 0.85f);
  }

  private static String axisTitle(int component, double explained) {
    return String.format(Locale.ROOT, "PC%d (%.1f%% of the sample's variance)", component, 100 * explained);
  }

  private static XYChart xyChart(Plot plot, String xTitle, String yTitle) {
    XYChart chart = new XYChartBuilder().width(plot.width()).height(plot.height()).title(plot.caption())
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(chart);
    return chart;
  }

  private static void style(Chart<?, ?> chart) {
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBorderVisible(false);
    chart.getStyler().setAntiAlias(true);
    chart.getStyler().setLegendBorderColor(Color.LIGHT_GRAY);
  }

  /** Adds the finite points of one per-epoch value; false when none is finite. */
  private static boolean addSeries(XYChart chart, String name, List<SparkEpochMetrics> epochs,
      ToDoubleFunction<SparkEpochMetrics> value, Color colour) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (SparkEpochMetrics e : epochs) {
      double v = value.applyAsDouble(e);
      if (Double.isFinite(v)) {
        xs.add((double) e.epoch());
        ys.add(v);
      }
    }
    if (xs.isEmpty()) {
      return false;
    }
    XYSeries series = chart.addSeries(name, xs, ys);
    series.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(colour);
    series.setLineColor(colour);
    return true;
  }

  /**
   * Held-out error against cumulative iterations (batches fitted), one line per series, and a dashed
   * horizontal line at each named level (a target error) across the plotted iterations.
   */
  static XYChart errorAgainstIterations(List<IterationsReport.Series> series, Map<String, Double> levels) {
    XYChart chart = new XYChartBuilder().width(IterationsReport.WIDTH).height(IterationsReport.HEIGHT)
        .title(IterationsReport.CAPTION).xAxisTitle("iterations (batches fitted)").yAxisTitle("held-out 1-NN error")
        .build();
    style(chart);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    double last = 0;
    int i = 0;
    for (IterationsReport.Series s : series) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int p = 0; p < s.iterations().size(); p++) {
        if (Double.isFinite(s.errors().get(p))) {
          xs.add((double) s.iterations().get(p));
          ys.add(s.errors().get(p));
        }
      }
      if (!xs.isEmpty()) {
        Color colour = PALETTE[i++ % PALETTE.length];
        XYSeries line = chart.addSeries(s.name(), xs, ys);
        line.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(colour);
        line.setLineColor(colour);
        last = Math.max(last, xs.get(xs.size() - 1));
      }
    }
    for (Map.Entry<String, Double> level : levels.entrySet()) {
      XYSeries line = chart.addSeries(level.getKey(), List.of(0.0, Math.max(last, 1)),
          List.of(level.getValue(), level.getValue()));
      line.setMarker(SeriesMarkers.NONE).setLineStyle(SeriesLines.DASH_DASH);
      line.setLineColor(PALETTE[i++ % PALETTE.length]);
    }
    return chart;
  }

  /** The chart as a PNG of the chart's size. */
  static byte[] png(Chart<?, ?> chart) throws IOException {
    return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
  }

  private static Color[] colours(int... rgb) {
    Color[] out = new Color[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      out[i] = new Color(rgb[i]);
    }
    return out;
  }

  /**
   * A cross twice the size of the sample's markers, with a thick stroke: XChart has one marker
   * size per chart, and its own cross would vanish among the points.
   */
  private static final class CentroidMarker extends Marker {
    @Override
    public void paint(Graphics2D g, double x, double y, int markerSize) {
      double half = markerSize * 1.2;
      g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(new Line2D.Double(x - half, y - half, x + half, y + half));
      g.draw(new Line2D.Double(x - half, y + half, x + half, y - half));
    }
  }
}
