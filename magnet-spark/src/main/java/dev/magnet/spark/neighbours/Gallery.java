package dev.magnet.spark.neighbours;

import dev.magnet.spark.report.ThumbnailSheet;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The HTML gallery of {@code neighbours query --report DIR}: a seeded sample of
 * {@value #QUERIES} queries, each with its neighbours as thumbnails in rank order, their
 * distances, and a border that marks a neighbour of the query's label (green), of another label
 * (red) or unlabelled (grey); for near-duplicate pairs, the pairs side by side. Thumbnails are
 * read from the rows' {@code path} on any Hadoop file system and written beside the page as PNG
 * ({@link ThumbnailSheet}, the one thumbnail renderer), so the page needs no network and no access to the
 * corpus; a row without a readable image shows its id in a box instead, and the page counts them.
 * Only the sampled rows reach the driver.
 */
public final class Gallery {
  public static final String INDEX = "index.html";
  /** Queries (or pairs) shown: a screenful to scan, not a census. */
  static final int QUERIES = 12;
  /** The page's generator tag, which marks a directory this class may replace. */
  static final String GENERATOR = "Magnet neighbour gallery";

  private Gallery() {}

  /** Refuses (exit 2) an existing directory that is not a gallery: it is never replaced. */
  static void checkTarget(String dir, Configuration conf) {
    boolean refused = JobException.input(() -> {
      Path path = new Path(dir);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return false;
      }
      Path index = new Path(path, INDEX);
      if (!fs.exists(index)) {
        return fs.listStatus(path).length > 0;
      }
      try (InputStream in = fs.open(index)) {
        return !new String(in.readNBytes(4096), StandardCharsets.UTF_8).contains(GENERATOR);
      }
    });
    if (refused) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, NeighboursArgs.REPORT + " " + dir
          + " exists and is not a Magnet gallery; choose another directory (it is never replaced)");
    }
  }

  /** Writes the gallery of a neighbour table (or, with {@code pairs}, a near-duplicate table). */
  static void write(Dataset<Row> table, boolean pairs, String dir, Configuration conf, long seed) throws IOException {
    String key = pairs ? "id_a" : "query_id";
    List<Row> sample = table.orderBy(functions.hash(functions.col(key), functions.lit(seed)))
        .limit(QUERIES).collectAsList();
    Path root = new Path(dir);
    FileSystem fs = root.getFileSystem(conf);
    if (fs.exists(root)) {
      fs.delete(root, true);
    }
    fs.mkdirs(new Path(root, ThumbnailSheet.DIRECTORY));
    ThumbnailSheet sheet = new ThumbnailSheet();
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"generator\" content=\"").append(GENERATOR).append("\">")
        .append("<title>").append(pairs ? "Near-duplicate pairs" : "Nearest neighbours").append("</title><style>")
        .append("body{font-family:sans-serif;margin:1.5em;color:#222}").append(ThumbnailSheet.STYLE)
        .append("</style></head><body>\n");
    if (pairs) {
      html.append("<h1>Near-duplicate pairs</h1>\n<p>").append(sample.size())
          .append(" pairs sampled; each pair side by side with its distance.</p>\n");
      for (Row row : sample) {
        html.append("<div class=\"row\">")
            .append(figure(sheet, conf, row.getLong(0), row.getString(1), row.getString(2), null,
                ThumbnailSheet.Border.QUERY))
            .append(figure(sheet, conf, row.getLong(3), row.getString(4), row.getString(5),
                String.format(Locale.ROOT, "d=%.4g", row.getDouble(6)),
                ThumbnailSheet.Border.of(row.getString(2), row.getString(5))))
            .append("</div>\n");
      }
    } else {
      html.append("<h1>Nearest neighbours</h1>\n<p>").append(sample.size()).append(" queries sampled; each query")
          .append(" (blue border) then its neighbours nearest first, with their distances. Border: <b style=")
          .append("\"color:#2a9d3a\">same label</b>, <b style=\"color:#d62828\">different label</b>, grey: unlabelled.")
          .append("</p>\n");
      for (Row row : sample) {
        String label = row.getString(2);
        html.append("<div class=\"row\">")
            .append(figure(sheet, conf, row.getLong(0), row.getString(1), label, "query", ThumbnailSheet.Border.QUERY));
        List<Long> ids = row.getList(3);
        List<String> paths = row.getList(4);
        List<String> labels = row.getList(5);
        List<Double> distances = row.getList(6);
        for (int i = 0; i < ids.size(); i++) {
          html.append(figure(sheet, conf, ids.get(i), paths.get(i), labels.get(i),
              String.format(Locale.ROOT, "#%d d=%.4g", i + 1, distances.get(i)),
              ThumbnailSheet.Border.of(label, labels.get(i))));
        }
        html.append("</div>\n");
      }
    }
    html.append("<p>").append(sheet.written()).append(" thumbnails, ").append(sheet.missing())
        .append(" items without a readable image (shown as their id).</p>\n</body></html>\n");
    for (Map.Entry<String, byte[]> file : sheet.files().entrySet()) {
      try (OutputStream out = fs.create(new Path(root, file.getKey()), true)) {
        out.write(file.getValue());
      }
    }
    try (OutputStream out = fs.create(new Path(root, INDEX), true)) {
      out.write(html.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** An item's figure: its image read from {@code path}, or its id in a box when unreadable. */
  private static String figure(ThumbnailSheet sheet, Configuration conf, long id, String path, String label,
      String caption, ThumbnailSheet.Border border) {
    String title = "id " + id + (label == null ? "" : ", label " + label) + (path == null ? "" : ", " + path);
    return sheet.figure(Long.toString(id), Long.toString(id), path == null ? null : read(path, conf), label,
        caption == null ? "id " + id : caption, border, title);
  }

  /** The image at {@code path}, or null when it cannot be read as one. */
  private static BufferedImage read(String path, Configuration conf) {
    try {
      Path p = new Path(path);
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        return ImageIO.read(in);
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
