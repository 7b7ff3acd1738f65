package dev.magnet.spark.report;

import dev.magnet.core.model.ArtifactStore;
import dev.magnet.core.model.MagnetVersion;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * A run's report as a directory on any Hadoop file system: {@code index.html} and the PNG plots
 * it shows ({@link Plot}): loss and held-out metrics per epoch, time per phase per epoch, and a
 * PCA projection of a sample of embeddings coloured by class with the model's cluster centroids
 * marked; the thumbnail sections of {@link Pictures} (an evaluation's retrieval gallery, a
 * training run's cluster exemplars); then tables of the final metrics, every epoch, the parameters, the network and the
 * provenance. The page needs no network: no scripts, no fonts, images by relative path.
 *
 * <p>The directory is written like a model directory ({@link HadoopModelDirectory#write}):
 * staged in a hidden sibling and renamed into place, so a reader never sees half a report. An
 * existing report (a directory whose {@code index.html} carries {@link #GENERATOR}) is replaced;
 * anything else at the path is left alone and refused, so a mistyped path never deletes data.
 *
 * <p>The HTML is written by hand: it is one static page of tables and images, which needs nothing
 * but escaping of the five HTML special characters, not a template engine.
 */
public final class HtmlReport {
  /** The page's file name. */
  public static final String INDEX = "index.html";
  /** The {@code <meta name="generator">} that marks a directory as a Magnet report. */
  public static final String GENERATOR = "Magnet HTML report";
  /** How much of an existing index.html is read to recognise a report. */
  private static final int SNIFF_BYTES = 4096;

  private HtmlReport() {}

  /**
   * What was written.
   *
   * @param directory the report directory, fully qualified
   * @param files the file names in it, index.html first
   */
  public record Written(String directory, List<String> files) {
    public Written {
      files = List.copyOf(files);
    }

    /** The page to open. */
    public String index() {
      return directory + "/" + INDEX;
    }
  }

  /**
   * Draws the plots and writes the report directory atomically, replacing an earlier report.
   *
   * @throws FileAlreadyExistsException if something other than a Magnet report is at {@code path}
   */
  public static Written write(ReportInput input, String path, Configuration conf) throws IOException {
    Objects.requireNonNull(input, "input");
    Map<String, byte[]> files = render(input);
    writeFiles(files, path, conf);
    return new Written(qualified(path, conf), new ArrayList<>(files.keySet()));
  }

  /** Writes a report's files atomically, replacing an earlier report and refusing anything else. */
  static void writeFiles(Map<String, byte[]> files, String path, Configuration conf) throws IOException {
    checkTarget(path, conf);
    if (HadoopModelDirectory.exists(path, conf)) {
      StagedOutput.adopt(path, conf, HtmlReport.class.getName()); // a report from before output markers
    }
    HadoopModelDirectory.write(path, conf, true, store -> {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        try (OutputStream out = store.create(file.getKey())) {
          out.write(file.getValue());
        }
      }
    });
  }

  /**
   * Fails when {@code path} holds something other than a Magnet report; a command calls this
   * before its work so that a wrong path is reported at once, not after training.
   *
   * @throws FileAlreadyExistsException naming the path
   */
  public static void checkTarget(String path, Configuration conf) throws IOException {
    if (HadoopModelDirectory.exists(path, conf) && !isReport(path, conf)) {
      throw new FileAlreadyExistsException(qualified(path, conf), null,
          "exists and is not a Magnet report; choose another report directory (it is never replaced)");
    }
  }

  /** Whether {@code path} is a directory with an index.html written by this class. */
  public static boolean isReport(String path, Configuration conf) throws IOException {
    ArtifactStore store;
    try {
      store = HadoopModelDirectory.reader(path, conf);
    } catch (FileNotFoundException e) {
      return false;
    }
    try (InputStream in = store.open(INDEX)) {
      String head = new String(in.readNBytes(SNIFF_BYTES), StandardCharsets.UTF_8);
      return head.contains("<meta name=\"generator\" content=\"" + GENERATOR + "\">");
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  /** The report's files by name, index.html first, then the plots in page order. */
  static Map<String, byte[]> render(ReportInput input) throws IOException {
    Map<Plot, Chart<?, ?>> charts = new LinkedHashMap<>();
    if (!input.epochs().isEmpty()) {
      ReportCharts.loss(input.epochs()).ifPresent(chart -> charts.put(Plot.LOSS, chart));
      ReportCharts.validation(input.epochs()).ifPresent(chart -> charts.put(Plot.VALIDATION, chart));
      ReportCharts.phases(input.epochs()).ifPresent(chart -> charts.put(Plot.PHASES, chart));
    }
    charts.put(Plot.PROJECTION, ReportCharts.projection(
        Projection.of(input.sample(), input.model().index()), input.model().labelNames()));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(INDEX, page(input, charts.keySet()).getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<Plot, Chart<?, ?>> chart : charts.entrySet()) {
      files.put(chart.getKey().fileName(), ReportCharts.png(chart.getValue()));
    }
    input.pictures().forEach(section -> files.putAll(section.files()));
    return files;
  }

  /** The page: plots by relative path, tables of everything else. */
  static String page(ReportInput input, Set<Plot> plots) {
    ModelArtifact model = input.model();
    StringBuilder html = new StringBuilder(16_384);
    head(html, input.title());
    html.append("<p>Written ")
        .append(escape(Instant.now().toString())).append(" by Magnet ").append(escape(MagnetVersion.get()))
        .append("; model trained ").append(escape(model.provenance().trainedAt())).append(" on ")
        .append(escape(model.provenance().data())).append(".</p>\n");

    html.append("<h2>Final metrics</h2>\n");
    if (input.finalMetrics().isEmpty()) {
      html.append("<p>None: the run had no held-out data.</p>\n");
    } else {
      List<List<String>> rows = new ArrayList<>();
      input.finalMetrics().forEach((name, value) -> rows.add(List.of(name, number(value))));
      table(html, "final-metrics", List.of("metric", "value"), rows);
    }

    if (!input.epochs().isEmpty()) {
      html.append("<h2>Training</h2>\n");
      for (Plot plot : List.of(Plot.LOSS, Plot.VALIDATION, Plot.PHASES)) {
        if (plots.contains(plot)) {
          figure(html, plot, plot.caption() + ".");
        }
      }
      epochTable(html, input.epochs());
    }

    html.append("<h2>Embedding space</h2>\n");
    String legend = model.labelNames().size() <= ReportCharts.MAX_LEGEND_CLASSES ? ""
        : " Classes (" + model.labelNames().size() + ", too many for a legend): "
            + escape(String.join(", ", model.labelNames())) + ".";
    figure(html, Plot.PROJECTION, "The first two principal components of " + escape(input.sample().source())
        + ", coloured by class; black crosses: the " + model.index().numClusters()
        + " cluster centroids of the model's index, projected with the same transform." + legend);
    input.pictures().forEach(section -> html.append(section.html()));

    html.append("<h2>Parameters</h2>\n");
    recordTable(html, "params", model.params());
    html.append("<h3>Network</h3>\n");
    recordTable(html, "network", model.networkSpec());
    html.append("<h3>Index</h3>\n");
    table(html, "index", List.of("field", "value"), List.of(
        List.of("classes", Integer.toString(model.index().numClasses())),
        List.of("clusters", Integer.toString(model.index().numClusters())),
        List.of("σ²", number(model.index().sigma2())),
        List.of("label names", String.join(", ", model.labelNames()))));
    html.append("<h2>Provenance</h2>\n");
    recordTable(html, "provenance", model.provenance());
    html.append("</body>\n</html>\n");
    return html.toString();
  }

  /** The page's head (with the {@link #GENERATOR} mark and the style) and its {@code <h1>}. */
  static void head(StringBuilder html, String title) {
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"generator\" content=\"").append(GENERATOR).append("\">\n")
        .append("<title>").append(escape(title)).append("</title>\n")
        .append("<style>\n")
        .append("body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222;background:#fff}\n")
        .append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
        .append("th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}\n")
        .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
        .append("figure{margin:1em 0}figcaption{color:#555;font-size:0.9em}\n")
        .append("img{max-width:100%;height:auto;border:1px solid #eee}\n")
        .append(ThumbnailSheet.STYLE).append("\n")
        .append("</style>\n</head>\n<body>\n");
    html.append("<h1>").append(escape(title)).append("</h1>\n");
  }

  private static void figure(StringBuilder html, Plot plot, String escapedCaption) {
    figure(html, plot.name().toLowerCase(Locale.ROOT), plot.fileName(), plot.width(), plot.height(), plot.caption(),
        escapedCaption);
  }

  /** An image beside the page, with its caption (already escaped). */
  static void figure(StringBuilder html, String id, String fileName, int width, int height, String alt,
      String escapedCaption) {
    html.append("<figure id=\"").append(id).append("\"><img src=\"")
        .append(fileName).append("\" width=\"").append(width).append("\" height=\"")
        .append(height).append("\" alt=\"").append(escape(alt)).append("\">")
        .append("<figcaption>").append(escapedCaption).append("</figcaption></figure>\n");
  }

  private static void epochTable(StringBuilder html, List<SparkEpochMetrics> epochs) {
    Set<String> names = new LinkedHashSet<>();
    epochs.forEach(e -> names.addAll(e.validation().keySet()));
    List<String> header = new ArrayList<>(List.of("epoch", "loss", "batches", "embed s", "index s", "plan s",
        "materialise s", "fit s", "examples/s"));
    header.addAll(names);
    List<List<String>> rows = new ArrayList<>();
    for (SparkEpochMetrics e : epochs) {
      List<String> row = new ArrayList<>(List.of(Integer.toString(e.epoch()), number(e.loss()),
          Integer.toString(e.batches()), seconds(e.embedSeconds()), seconds(e.indexSeconds()),
          seconds(e.planSeconds()), seconds(e.materialiseSeconds()), seconds(e.fitSeconds()),
          String.format(Locale.ROOT, "%.0f", e.examplesPerSecond())));
      names.forEach(name -> row.add(e.validation().containsKey(name) ? number(e.validation().get(name)) : ""));
      rows.add(row);
    }
    table(html, "epochs", header, rows);
  }

  /** A record's components as name/value rows: new parameters appear without touching this class. */
  private static void recordTable(StringBuilder html, String id, Record value) {
    List<List<String>> rows = new ArrayList<>();
    for (RecordComponent component : value.getClass().getRecordComponents()) {
      Object v;
      try {
        v = component.getAccessor().invoke(value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + component.getName() + " of " + value.getClass(), e);
      }
      rows.add(List.of(component.getName(), v instanceof Double d ? number(d) : String.valueOf(v)));
    }
    table(html, id, List.of("field", "value"), rows);
  }

  /** A table; cells are escaped here, numbers right-aligned. */
  static void table(StringBuilder html, String id, List<String> header, List<List<String>> rows) {
    html.append("<table id=\"").append(id).append("\">\n<tr>");
    header.forEach(h -> html.append("<th>").append(escape(h)).append("</th>"));
    html.append("</tr>\n");
    for (List<String> row : rows) {
      html.append("<tr>");
      for (String cell : row) {
        boolean numeric = cell.matches("-?[0-9][0-9.,eE+-]*|NaN|-?Infinity");
        html.append(numeric ? "<td class=\"num\">" : "<td>").append(escape(cell)).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }

  private static String seconds(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  /** Escapes the five characters HTML gives a meaning to, in text and in attribute values. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static String qualified(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(conf).makeQualified(p).toString();
  }
}
