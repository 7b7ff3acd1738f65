package dev.magnet.spark.report;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.SparkDataset;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The retrieval gallery of {@code evaluate --report} on image data (docs/design.md, "Reports"):
 * a seeded sample of {@value #QUERIES} test queries, each with its {@value #NEIGHBOURS} nearest
 * references as thumbnails, their Euclidean distances and a border marking the same or another
 * label; then the {@value #FAILURES} worst failures, the queries whose nearest reference has
 * another label, ranked by how wrong they are: the score is the nearest same-label distance minus
 * the nearest other-label distance (the margin the query misses by; infinite when the query's
 * class has no reference), each shown with its neighbours and its nearest same-label reference.
 *
 * <p>The references are the training data when {@code evaluate} is given them, else the test set
 * itself, each query leaving itself out, as the retrieval metrics do. The embeddings are those the
 * driver already holds for the metrics; the search for failures is one more blocked pass over
 * them ({@link Distances#forEachBlock}). Only the pixels of the shown examples are fetched from
 * the executors ({@link ThumbnailSheet#fetch}): at most {@code (QUERIES + FAILURES) * (NEIGHBOURS
 * + 2)} images.
 */
public final class RetrievalGallery {
  /** Sampled queries shown: a screenful to scan, as in {@code neighbours query --report}. */
  public static final int QUERIES = 12;
  /** Neighbours shown per query. */
  public static final int NEIGHBOURS = 5;
  /** Worst failures shown. */
  public static final int FAILURES = 12;
  /** The section's HTML id. */
  public static final String ID = "retrieval-gallery";

  private RetrievalGallery() {}

  /**
   * One row of the gallery.
   *
   * @param query the query's row among the test embeddings
   * @param neighbours the rows of its nearest references, nearest first
   * @param distances their Euclidean distances
   * @param score for a failure, the nearest same-label distance minus the nearest other-label one;
   *     NaN for a sampled query
   * @param nearestSame for a failure, the row of its nearest same-label reference (-1 when none)
   * @param sameDistance that reference's distance (infinite when none)
   */
  public record Row(int query, int[] neighbours, double[] distances, double score, int nearestSame,
      double sameDistance) {}

  /**
   * What the gallery shows.
   *
   * @param sampled the sampled queries, in row order
   * @param failures the worst failures, worst first (ties by row)
   * @param failed how many queries' nearest reference has another label
   * @param queries how many queries were searched
   */
  public record Selection(List<Row> sampled, List<Row> failures, int failed, int queries) {}

  /**
   * The gallery section: thumbnails of the examples as the model read them, or a paragraph saying
   * that vectors have no pictures.
   *
   * @param test the test examples (their pixels), with {@code testIds} in the embeddings' row order
   * @param reference the training examples, or null to search the test set itself
   */
  public static Pictures of(SparkDataset test, long[] testIds, INDArray testEmbeddings, int[] testLabels,
      SparkDataset reference, long[] referenceIds, INDArray referenceEmbeddings, int[] referenceLabels,
      List<String> labelNames, long seed) {
    InputShape shape = test.inputShape();
    if (!ThumbnailSheet.pictures(shape)) {
      return Pictures.none(ID, "Retrieval gallery", "No pictures: the examples are vectors (" + shape
          + "), not images; the metrics above are the evaluation.");
    }
    boolean self = reference == null;
    Selection selection = self ? select(testEmbeddings, testLabels, testEmbeddings, testLabels, true, seed)
        : select(testEmbeddings, testLabels, referenceEmbeddings, referenceLabels, false, seed);
    long[] refIds = self ? testIds : referenceIds;
    int[] refLabels = self ? testLabels : referenceLabels;
    Set<Long> queryIds = new HashSet<>();
    Set<Long> neighbourIds = new HashSet<>();
    for (Row row : concat(selection)) {
      queryIds.add(testIds[row.query()]);
      Arrays.stream(row.neighbours()).forEach(j -> neighbourIds.add(refIds[j]));
      if (row.nearestSame() >= 0) {
        neighbourIds.add(refIds[row.nearestSame()]);
      }
    }
    Map<Long, BufferedImage> queryPictures;
    Map<Long, BufferedImage> neighbourPictures;
    if (self) {
      queryIds.addAll(neighbourIds);
      queryPictures = ThumbnailSheet.fetch(test, queryIds);
      neighbourPictures = queryPictures;
    } else {
      queryPictures = ThumbnailSheet.fetch(test, queryIds);
      neighbourPictures = ThumbnailSheet.fetch(reference, neighbourIds);
    }
    String refSet = self ? "test" : "train";
    ThumbnailSheet sheet = new ThumbnailSheet();
    StringBuilder html = new StringBuilder();
    html.append("<section id=\"").append(ID).append("\"><h2>Retrieval gallery</h2>\n<p>")
        .append(selection.sampled().size()).append(" test queries sampled (blue border), each followed by its ")
        .append(NEIGHBOURS).append(" nearest ").append(self ? "other test examples" : "training examples")
        .append(", nearest first, with their Euclidean distances. Border: <b style=\"color:#2a9d3a\">same label</b>,")
        .append(" <b style=\"color:#d62828\">different label</b>. The pictures are the examples as the model read")
        .append(" them.</p>\n<div id=\"sampled-queries\">\n");
    for (Row row : selection.sampled()) {
      row(html, sheet, row, testIds, testLabels, refIds, refLabels, refSet, labelNames, queryPictures,
          neighbourPictures);
    }
    html.append("</div>\n<h3>Worst failures</h3>\n<p>").append(String.format(Locale.ROOT,
        "%,d of %,d queries (%.1f%%) have a nearest neighbour of another label. The %d worst, ranked by the nearest"
            + " same-label distance minus the nearest other-label distance (the margin by which the query misses;"
            + " largest first), each with its neighbours and, last, its nearest same-label example.",
        selection.failed(), selection.queries(), 100.0 * selection.failed() / Math.max(1, selection.queries()),
        selection.failures().size())).append("</p>\n<div id=\"worst-failures\">\n");
    for (Row row : selection.failures()) {
      row(html, sheet, row, testIds, testLabels, refIds, refLabels, refSet, labelNames, queryPictures,
          neighbourPictures);
    }
    html.append("</div>\n<p>").append(sheet.written()).append(" thumbnails, ").append(sheet.missing())
        .append(" examples without a picture.</p></section>\n");
    return new Pictures(ID, html.toString(), sheet.files());
  }

  private static void row(StringBuilder html, ThumbnailSheet sheet, Row row, long[] testIds, int[] testLabels,
      long[] refIds, int[] refLabels, String refSet, List<String> labelNames, Map<Long, BufferedImage> queryPictures,
      Map<Long, BufferedImage> neighbourPictures) {
    long id = testIds[row.query()];
    int label = testLabels[row.query()];
    boolean failure = !Double.isNaN(row.score());
    html.append("<div class=\"row\" data-query=\"").append(id).append("\" data-label=\"")
        .append(HtmlReport.escape(labelNames.get(label))).append('"');
    if (failure) {
      html.append(" data-score=\"").append(String.format(Locale.ROOT, "%.6g", row.score())).append('"');
    }
    html.append('>');
    String caption = failure ? String.format(Locale.ROOT, "query, miss %.4g", row.score()) : "query";
    html.append(sheet.figure("test-" + id, Long.toString(id), queryPictures.get(id), labelNames.get(label), caption,
        ThumbnailSheet.Border.QUERY, "test example " + id + ", label " + labelNames.get(label)));
    for (int i = 0; i < row.neighbours().length; i++) {
      neighbour(html, sheet, refIds[row.neighbours()[i]], refLabels[row.neighbours()[i]], label, refSet, labelNames,
          neighbourPictures, String.format(Locale.ROOT, "#%d d=%.4g", i + 1, row.distances()[i]));
    }
    if (failure && row.nearestSame() >= 0) {
      neighbour(html, sheet, refIds[row.nearestSame()], refLabels[row.nearestSame()], label, refSet, labelNames,
          neighbourPictures, String.format(Locale.ROOT, "same label d=%.4g", row.sameDistance()));
    }
    html.append("</div>\n");
  }

  private static void neighbour(StringBuilder html, ThumbnailSheet sheet, long id, int label, int queryLabel,
      String refSet, List<String> labelNames, Map<Long, BufferedImage> pictures, String caption) {
    html.append(sheet.figure(refSet + "-" + id, Long.toString(id), pictures.get(id), labelNames.get(label), caption,
        ThumbnailSheet.Border.of(queryLabel, label), refSet + " example " + id + ", label " + labelNames.get(label)));
  }

  private static List<Row> concat(Selection selection) {
    List<Row> all = new ArrayList<>(selection.sampled());
    all.addAll(selection.failures());
    return all;
  }

  /**
   * Chooses the rows: a seeded sample of queries ({@link EmbeddingSample#choose}) with their
   * nearest references, and the worst failures over every query.
   *
   * @param self whether the references are the queries themselves (each query then leaves itself out)
   */
  public static Selection select(INDArray queries, int[] queryLabels, INDArray references, int[] referenceLabels,
      boolean self, long seed) {
    int n = Math.toIntExact(queries.rows());
    List<Row> failures = new ArrayList<>();
    Distances.forEachBlock(queries, references, Distances.DEFAULT_BLOCK_ROWS, (block, first) -> {
      for (int b = 0; b < block.length; b++) {
        int q = first + b;
        int nearest = -1;
        int same = -1;
        int other = -1;
        double[] d = block[b];
        for (int j = 0; j < d.length; j++) {
          if (self && j == q) {
            continue;
          }
          if (nearest < 0 || d[j] < d[nearest]) {
            nearest = j;
          }
          if (referenceLabels[j] == queryLabels[q]) {
            if (same < 0 || d[j] < d[same]) {
              same = j;
            }
          } else if (other < 0 || d[j] < d[other]) {
            other = j;
          }
        }
        if (nearest >= 0 && referenceLabels[nearest] != queryLabels[q]) {
          double sameDistance = same < 0 ? Double.POSITIVE_INFINITY : Math.sqrt(d[same]);
          failures.add(new Row(q, null, null, sameDistance - Math.sqrt(d[other]), same, sameDistance));
        }
      }
    });
    int failed = failures.size();
    List<Row> worst = failures.stream()
        .sorted(Comparator.comparingDouble(Row::score).reversed().thenComparingInt(Row::query))
        .limit(FAILURES).toList();
    int[] sampled = EmbeddingSample.choose(n, Math.min(QUERIES, n), seed);
    List<Row> sampledRows = new ArrayList<>();
    for (Row row : withNeighbours(queries, references, self, Arrays.stream(sampled).boxed().toList())) {
      sampledRows.add(new Row(row.query(), row.neighbours(), row.distances(), Double.NaN, -1,
          Double.POSITIVE_INFINITY));
    }
    List<Row> worstRows = new ArrayList<>();
    List<Row> searched = withNeighbours(queries, references, self, worst.stream().map(Row::query).toList());
    for (int i = 0; i < worst.size(); i++) {
      Row w = worst.get(i);
      worstRows.add(new Row(w.query(), searched.get(i).neighbours(), searched.get(i).distances(), w.score(),
          w.nearestSame(), w.sameDistance()));
    }
    return new Selection(sampledRows, worstRows, failed, n);
  }

  /** The {@value #NEIGHBOURS} nearest references of the given query rows, in their order. */
  private static List<Row> withNeighbours(INDArray queries, INDArray references, boolean self, List<Integer> rows) {
    if (rows.isEmpty()) {
      return List.of();
    }
    INDArray chosen = Nd4j.pullRows(queries, 1, rows.stream().mapToInt(Integer::intValue).toArray());
    List<Row> out = new ArrayList<>();
    Distances.forEachBlock(chosen, references, Distances.DEFAULT_BLOCK_ROWS, (block, first) -> {
      for (int b = 0; b < block.length; b++) {
        int q = rows.get(first + b);
        int[] top = Distances.topK(block[b], NEIGHBOURS, self ? q : -1);
        double[] distances = new double[top.length];
        for (int i = 0; i < top.length; i++) {
          distances[i] = Math.sqrt(block[b][top[i]]);
        }
        out.add(new Row(q, top, distances, Double.NaN, -1, Double.POSITIVE_INFINITY));
      }
    });
    return out;
  }
}
