package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.HeadlessChromium;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.image.ImageCorpusGenerator;
import dev.magnet.spark.report.ClusterExemplars;
import dev.magnet.spark.report.HtmlReport;
import dev.magnet.spark.report.RetrievalGallery;
import dev.magnet.spark.report.ThumbnailSheet;
import dev.magnet.spark.util.ExitCodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pictures of the reports, end to end on real Fashion-MNIST (a few hundred examples) in Spark
 * local mode: {@code train} writes its cluster exemplars, {@code evaluate --report} its retrieval
 * gallery and worst failures, on IDX data and on a folder of JPEG files (decoded with the model's
 * preprocessing); headless Chromium loads every thumbnail with a size, and the pages say what they
 * show: borders agree with the labels, failures come in the order of their score, exemplars are of
 * their cluster's class. The pages stay in {@code target/pictures-render/}. ({@link ReportCliTest}
 * checks that vectors get no pictures.)
 */
class PicturesReportTest {
  /** A row of a gallery: its attributes, then its figures. */
  private static final Pattern ROW = Pattern.compile("<div class=\"row\" ([^>]*)>(.*?)</div>\n");
  /** A figure's image class, and its label under the caption. */
  private static final Pattern FIGURE = Pattern.compile(
      "<figure class=\"thumb\"><img class=\"([a-z]*)\" src=\"([^\"]+)\"[^>]*>"
          + "<figcaption>([^<]*)<br>([^<]*)</figcaption>");

  @RegisterExtension
  static final HeadlessChromium.Fixture render = new HeadlessChromium.Fixture("pictures-render",
      "the report's pictures");
  @SparkTestSession.PerClass
  private static SparkSession session;
  private static Path model;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void train() throws IOException {
    model = render.out().resolve("model");
    CliRun trained = CliRun.of("train", "--data", "fashion-mnist", "--limit", "300", "--network", "mlp",
        "--embedding-dim", "8", "-K", "2", "-M", "4", "-D", "4", "--epochs", "1",
        "--seed", "3", "--output", model.toString(), "--overwrite");
    assertEquals(ExitCodes.SUCCESS, trained.status(), trained.toString());
  }

  @Test
  void trainShowsTheExemplarsOfEveryCluster() throws Exception {
    Path report = model.resolve("report");
    String page = Files.readString(report.resolve(HtmlReport.INDEX));
    assertTrue(page.contains("<h2>Cluster exemplars</h2>"), "the section is on the page");
    List<Matcher> rows = rows(page, ClusterExemplars.ID);
    assertEquals(20, rows.size(), "10 classes x 2 clusters");
    int thumbnails = 0;
    for (Matcher row : rows) {
      String cluster = attribute(row.group(1), "data-class");
      List<Matcher> figures = figures(row.group(2));
      assertTrue(figures.size() >= 1 && figures.size() <= ClusterExemplars.EXEMPLARS, row.group());
      for (Matcher figure : figures) {
        assertEquals(cluster, figure.group(4), "an exemplar is of its cluster's class: " + row.group());
      }
      thumbnails += figures.size();
    }
    assertRendered(report, thumbnails, "exemplars");
  }

  @Test
  void evaluateShowsTheGalleryAndTheWorstFailuresOfIdxImages() throws Exception {
    Path report = render.out().resolve("evaluation-idx");
    CliRun run = CliRun.of("evaluate", "--model", model.toString(), "--data", "fashion-mnist-test", "--train-data",
        "fashion-mnist", "--limit", "300", "--report", report.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    checkGallery(report, 28);
  }

  @Test
  void evaluateShowsImageFilesAsTheModelReadThem() throws Exception {
    Path corpus = tmp.resolve("corpus");
    CliRun written = CliRun.of("generate-corpus", "--output", corpus.toString(), "--format", "jpeg96", "--count",
        "60", "--damaged", "0", "--split", "test");
    assertEquals(ExitCodes.SUCCESS, written.status(), written.toString());
    // The folders are the class names made safe for a file system; the CSV gives the model's names.
    List<String> names = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
        "Bag", "Ankle boot");
    StringBuilder csv = new StringBuilder("path,label\n");
    try (var files = Files.walk(corpus)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String folder = file.getParent().getFileName().toString();
        String name = names.stream().filter(n -> ImageCorpusGenerator.Source.folderName(n).equals(folder))
            .findFirst().orElseThrow();
        csv.append(corpus.relativize(file)).append(",\"").append(name).append("\"\n");
      }
    }
    Path labels = tmp.resolve("labels.csv");
    Files.writeString(labels, csv);
    Path report = render.out().resolve("evaluation-files");
    CliRun run = CliRun.of("evaluate", "--model", model.toString(), "--data", "images:" + corpus, "--labels",
        labels.toString(), "--report", report.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    // 96x96 colour files, shown as the 28x28 grey input of the model.
    checkGallery(report, 28);
  }

  /**
   * The gallery of {@code report}: sampled queries and worst failures whose borders agree with the
   * labels, failures in descending score, every thumbnail of the models's input side and rendered.
   */
  private static void checkGallery(Path report, int side) throws Exception {
    String page = Files.readString(report.resolve(HtmlReport.INDEX));
    List<Matcher> rows = rows(page, RetrievalGallery.ID);
    int thumbnails = 0;
    int failures = 0;
    double lastScore = Double.POSITIVE_INFINITY;
    for (Matcher row : rows) {
      String label = attribute(row.group(1), "data-label");
      List<Matcher> figures = figures(row.group(2));
      assertEquals("query", figures.get(0).group(1), "the query comes first: " + row.group());
      assertEquals(label, figures.get(0).group(4));
      for (Matcher figure : figures.subList(1, figures.size())) {
        assertEquals(figure.group(4).equals(label) ? "same" : "different", figure.group(1),
            "the border agrees with the labels: " + row.group());
      }
      String score = attribute(row.group(1), "data-score");
      if (score != null) {
        failures++;
        double s = Double.parseDouble(score);
        assertTrue(s >= 0 && s <= lastScore, "failures are ranked by their score, largest first: " + page);
        lastScore = s;
        assertEquals("different", figures.get(1).group(1), "a failure's nearest neighbour has another label");
        assertEquals("same", figures.get(figures.size() - 1).group(1), "its nearest same-label example, last");
      } else {
        assertEquals(1 + RetrievalGallery.NEIGHBOURS, figures.size(), row.group());
      }
      for (Matcher figure : figures) {
        BufferedImage image = ImageIO.read(report.resolve(figure.group(2)).toFile());
        assertEquals(side, image.getWidth(), "the thumbnail is the model's input: " + figure.group(2));
      }
      thumbnails += figures.size();
    }
    assertEquals(RetrievalGallery.QUERIES + failures, rows.size());
    assertTrue(failures > 0, "a model trained one epoch on 300 examples fails somewhere");
    assertRendered(report, thumbnails, report.getFileName().toString());
  }

  /** Chromium loads as many images as the section's figures plus the projection, each with a size. */
  private static void assertRendered(Path report, int thumbnails, String name) throws Exception {
    List<HeadlessChromium.LoadedImage> images = render.chromium()
        .everyImageLoads(name, report.resolve(HtmlReport.INDEX));
    long shown = images.stream().filter(i -> i.src().startsWith(ThumbnailSheet.DIRECTORY + "/")).count();
    assertEquals(thumbnails, shown, "every figure's thumbnail is an image of the page");
  }

  private static List<Matcher> rows(String page, String section) {
    int start = page.indexOf("<section id=\"" + section + "\">");
    assertTrue(start >= 0, "the page has the section " + section);
    String html = page.substring(start, page.indexOf("</section>", start));
    List<Matcher> rows = new ArrayList<>();
    Matcher m = ROW.matcher(html);
    while (m.find()) {
      rows.add(ROW.matcher(m.group()));
      rows.get(rows.size() - 1).find();
    }
    return rows;
  }

  private static List<Matcher> figures(String html) {
    List<Matcher> figures = new ArrayList<>();
    Matcher m = FIGURE.matcher(html);
    while (m.find()) {
      Matcher copy = FIGURE.matcher(m.group());
      copy.find();
      figures.add(copy);
    }
    return figures;
  }

  private static String attribute(String attributes, String name) {
    Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(attributes);
    return m.find() ? m.group(1).replace("&amp;", "&").replace("&#39;", "'").replace("&quot;", "\"") : null;
  }
}
