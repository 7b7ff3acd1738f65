package dev.magnet.spark.report;

import dev.magnet.core.model.MagnetVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;

/**
 * The report of the iterations experiment: held-out error against iterations for each loss, as
 * {@value #PLOT} beside an {@code index.html} with the experiment's table. Written like
 * {@link HtmlReport} (the same page style and generator mark, staged and renamed into place; an
 * earlier report is replaced, anything else at the path refused).
 */
public final class IterationsReport {
  /** The plot's file name. */
  public static final String PLOT = "iterations.png";
  static final int WIDTH = 800;
  static final int HEIGHT = 450;
  static final String CAPTION = "Held-out 1-NN error against iterations";

  private IterationsReport() {}

  /**
   * One loss's curve.
   *
   * @param name the legend entry
   * @param iterations cumulative batches fitted at each point
   * @param errors the held-out error at each point
   */
  public record Series(String name, List<Long> iterations, List<Double> errors) {
    public Series {
      iterations = List.copyOf(iterations);
      errors = List.copyOf(errors);
      if (iterations.size() != errors.size()) {
        throw new IllegalArgumentException("a series needs one error per point; iterations=" + iterations.size()
            + ", errors=" + errors.size());
      }
    }
  }

  /**
   * Draws the plot and writes the report directory.
   *
   * @param notes paragraphs under the plot (plain text, escaped here)
   * @param levels dashed horizontal lines, by legend entry (e.g. the target error)
   * @param header the table's header
   * @param rows the table's rows
   * @return the page's path
   * @throws FileAlreadyExistsException if something other than a Magnet report is at {@code path}
   */
  public static String write(String title, List<Series> series, Map<String, Double> levels, List<String> notes,
      List<String> header, List<List<String>> rows, String path, Configuration conf) throws IOException {
    Objects.requireNonNull(title, "title");
    byte[] png = ReportCharts.png(ReportCharts.errorAgainstIterations(series, levels));
    StringBuilder html = new StringBuilder(8_192);
    HtmlReport.head(html, title);
    html.append("<p>Written ").append(HtmlReport.escape(Instant.now().toString())).append(" by Magnet ")
        .append(HtmlReport.escape(MagnetVersion.get())).append(".</p>\n");
    HtmlReport.figure(html, "iterations", PLOT, WIDTH, HEIGHT, CAPTION, HtmlReport.escape(CAPTION
        + ", measured after every epoch; iterations are the batches fitted so far."));
    for (String note : notes) {
      html.append("<p>").append(HtmlReport.escape(note)).append("</p>\n");
    }
    HtmlReport.table(html, "runs", header, rows);
    html.append("</body>\n</html>\n");
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(HtmlReport.INDEX, html.toString().getBytes(StandardCharsets.UTF_8));
    files.put(PLOT, png);
    HtmlReport.writeFiles(files, path, conf);
    return path + "/" + HtmlReport.INDEX;
  }
}
