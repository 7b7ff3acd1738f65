package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.OutputMarker;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

class HtmlReportTest {
  private static final Pattern IMAGE = Pattern.compile("<img src=\"([^\"]+)\" width=\"(\\d+)\" height=\"(\\d+)\"");

  @TempDir
  Path tmp;

  @Test
  void aTrainingReportHasEveryPlotAsAPngOfItsSizeAndThePageReferencesEachOne() throws IOException {
    Path dir = tmp.resolve("report");
    HtmlReport.Written written = HtmlReport.write(ReportFixtures.training(3), dir.toString(), new Configuration());
    List<Plot> plots = List.of(Plot.LOSS, Plot.VALIDATION, Plot.PHASES, Plot.PROJECTION);
    List<String> expected = Stream.concat(Stream.of(HtmlReport.INDEX), plots.stream().map(Plot::fileName)).toList();
    assertEquals(expected, written.files());
    assertEquals("file:" + dir, written.directory());
    Set<String> withMarker = new TreeSet<>(expected);
    withMarker.add(OutputMarker.FILE_NAME);
    assertEquals(withMarker, listing(dir), "nothing else in the directory");
    assertEquals(Set.of("report"), listing(tmp), "no staging directory left behind");

    String html = Files.readString(dir.resolve(HtmlReport.INDEX));
    Matcher images = IMAGE.matcher(html);
    Set<String> referenced = new TreeSet<>();
    while (images.find()) {
      Plot plot = plots.stream().filter(p -> p.fileName().equals(images.group(1))).findFirst().orElseThrow(
          () -> new AssertionError("unknown image " + images.group(1)));
      assertEquals(plot.width(), Integer.parseInt(images.group(2)), plot + " width attribute");
      assertEquals(plot.height(), Integer.parseInt(images.group(3)), plot + " height attribute");
      referenced.add(plot.fileName());
    }
    assertEquals(plots.stream().map(Plot::fileName).collect(Collectors.toCollection(TreeSet::new)), referenced);
    for (Plot plot : plots) {
      BufferedImage image = ImageIO.read(dir.resolve(plot.fileName()).toFile());
      assertNotNull(image, plot + " is a readable PNG");
      assertEquals(plot.width(), image.getWidth(), plot + " width");
      assertEquals(plot.height(), image.getHeight(), plot + " height");
      byte[] head = Files.readAllBytes(dir.resolve(plot.fileName()));
      assertEquals((byte) 0x89, head[0]);
      assertEquals("PNG", new String(head, 1, 3, StandardCharsets.US_ASCII));
    }
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"),
        "the page loads nothing from the network and runs nothing");
    assertTrue(html.contains("<h1>Synthetic &lt;run&gt; &amp; test</h1>"), "the title is escaped");
    assertTrue(html.contains("<td>knn1_accuracy</td><td class=\"num\">0.8000</td>"), "final metrics table");
    assertTrue(html.contains("<td>clustersPerBatch</td><td class=\"num\">12</td>"), "parameters table");
    assertTrue(html.contains("<td>data</td><td>tiny test model</td>"), "provenance table");
    assertTrue(html.contains("<table id=\"epochs\">"), "epochs table");
  }

  @Test
  void anEvaluationReportHasTheProjectionAndTheMetricsOnly() throws IOException {
    ModelArtifact model = TestModels.tiny();
    ReportInput input = ReportInput.ofEvaluation("evaluation", Map.of("nmi", 0.75), model,
        ReportFixtures.sample(model, 40), List.of());
    Path dir = tmp.resolve("eval-report");
    HtmlReport.Written written = HtmlReport.write(input, dir.toString(), new Configuration());
    assertEquals(List.of(HtmlReport.INDEX, Plot.PROJECTION.fileName()), written.files());
    String html = Files.readString(dir.resolve(HtmlReport.INDEX));
    assertTrue(html.contains("src=\"projection.png\""));
    assertFalse(html.contains("loss.png") || html.contains("phases.png") || html.contains("<table id=\"epochs\">"));
    assertTrue(html.contains("<td>nmi</td><td class=\"num\">0.7500</td>"));
  }

  @Test
  void theProjectionsLegendNamesTheClassesAndItsPixelsShowTheirColours() throws IOException {
    ReportInput input = ReportFixtures.training(1);
    XYChart chart = ReportCharts.projection(Projection.of(input.sample(), input.model().index()),
        input.model().labelNames());
    assertEquals(List.of("cat", "dog", ReportCharts.CENTROIDS), List.copyOf(chart.getSeriesMap().keySet()));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(ReportCharts.png(chart)));
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y) & 0xFFFFFF);
      }
    }
    assertTrue(colours.contains(ReportCharts.classColour(0).getRGB() & 0xFFFFFF), "cat's colour is drawn");
    assertTrue(colours.contains(ReportCharts.classColour(1).getRGB() & 0xFFFFFF), "dog's colour is drawn");
    assertTrue(colours.contains(0), "the black centroid crosses are drawn");
  }

  @Test
  void withoutHeldOutDataThereIsNoMetricsPlotAndThePageSaysSo() throws IOException {
    ModelArtifact model = TestModels.tiny();
    List<SparkEpochMetrics> epochs = List.of(new SparkEpochMetrics(1, 0.9, 5, 0.1, 0.2, 0.01, 0.3, 1.0, 100, Map.of()),
        new SparkEpochMetrics(2, Double.NaN, 5, 0.1, 0.2, 0.01, 0.3, 1.0, 100, Map.of()));
    Map<String, byte[]> files = HtmlReport.render(new ReportInput("no validation", epochs, Map.of(), model,
        ReportFixtures.sample(model, 20)));
    assertEquals(List.of(HtmlReport.INDEX, Plot.LOSS.fileName(), Plot.PHASES.fileName(), Plot.PROJECTION.fileName()),
        List.copyOf(files.keySet()), "a NaN loss is left out of the plot, not a reason to fail");
    String html = new String(files.get(HtmlReport.INDEX), StandardCharsets.UTF_8);
    assertTrue(html.contains("None: the run had no held-out data."), html);
    assertFalse(html.contains(Plot.VALIDATION.fileName()));
  }

  @Test
  void manyClassesAreListedOnThePageInsteadOfInALegend() throws IOException {
    ModelArtifact tiny = TestModels.tiny();
    int classes = ReportCharts.MAX_LEGEND_CLASSES + 10;
    double[][] centroids = new double[classes][];
    int[] clusterClass = new int[classes];
    long[] sizes = new long[classes];
    List<String> names = new ArrayList<>();
    float[][] embeddings = new float[2 * classes][];
    int[] labels = new int[2 * classes];
    for (int c = 0; c < classes; c++) {
      centroids[c] = new double[] {Math.cos(c), Math.sin(c), c / 10.0};
      clusterClass[c] = c;
      sizes[c] = 2;
      names.add("class " + c);
      for (int k = 0; k < 2; k++) {
        embeddings[2 * c + k] = new float[] {(float) Math.cos(c) + 0.01f * k, (float) Math.sin(c), c / 10f};
        labels[2 * c + k] = c;
      }
    }
    ModelArtifact model = new ModelArtifact(tiny.network(),
        ClusterIndex.of(classes, centroids, clusterClass, sizes, 0.1, null), names,
        tiny.params(), tiny.networkSpec(), tiny.provenance());
    ReportInput input = ReportInput.ofEvaluation("many", Map.of(), model, new EmbeddingSample(embeddings, labels, "t"),
        List.of());
    XYChart chart = ReportCharts.projection(Projection.of(input.sample(), model.index()), names);
    assertFalse(chart.getStyler().isLegendVisible());
    assertEquals(classes + 1, chart.getSeriesMap().size(), "a series per class, and the centroids");
    String html = new String(HtmlReport.render(input).get(HtmlReport.INDEX), StandardCharsets.UTF_8);
    assertTrue(html.contains("Classes (" + classes + ", too many for a legend): class 0, class 1, "), html);
    assertTrue(ReportCharts.classColour(classes - 1).getRGB() != ReportCharts.classColour(classes - 2).getRGB());
  }

  @Test
  void anEarlierReportIsReplacedButNothingElseIs() throws IOException {
    Configuration conf = new Configuration();
    Path dir = tmp.resolve("r");
    HtmlReport.write(ReportFixtures.training(2), dir.toString(), conf);
    assertTrue(HtmlReport.isReport(dir.toString(), conf));
    ModelArtifact model = TestModels.tiny();
    HtmlReport.write(ReportInput.ofEvaluation("second", Map.of(), model, ReportFixtures.sample(model, 10), List.of()),
        dir.toString(), conf);
    assertEquals(new TreeSet<>(List.of(HtmlReport.INDEX, Plot.PROJECTION.fileName(), OutputMarker.FILE_NAME)),
        listing(dir), "the earlier report's plots are gone with it");
    assertTrue(Files.readString(dir.resolve(HtmlReport.INDEX)).contains("<h1>second</h1>"));
    // a report written before output markers is still recognised (by its page) and replaced
    Files.delete(dir.resolve(OutputMarker.FILE_NAME));
    HtmlReport.write(ReportInput.ofEvaluation("third", Map.of(), model, ReportFixtures.sample(model, 10), List.of()),
        dir.toString(), conf);
    assertTrue(Files.readString(dir.resolve(HtmlReport.INDEX)).contains("<h1>third</h1>"));

    Path other = Files.createDirectories(tmp.resolve("precious"));
    Files.writeString(other.resolve("data.txt"), "keep me");
    FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
        () -> HtmlReport.write(ReportFixtures.training(1), other.toString(), conf));
    assertTrue(refused.getMessage().contains("file:" + other), refused.getMessage());
    assertTrue(refused.getMessage().contains("is not a Magnet report"), refused.getMessage());
    assertEquals("keep me", Files.readString(other.resolve("data.txt")));
    assertEquals(Set.of("data.txt"), listing(other));
    assertThrows(FileAlreadyExistsException.class, () -> HtmlReport.checkTarget(other.toString(), conf));
    HtmlReport.checkTarget(tmp.resolve("absent").toString(), conf);
  }

  @Test
  void aSampleOfAnotherDimensionOrOfUnknownClassesIsRefused() {
    ModelArtifact model = TestModels.tiny();
    EmbeddingSample wide = new EmbeddingSample(new float[][] {{1, 2, 3, 4}, {4, 3, 2, 1}}, new int[] {0, 1}, "wide");
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> ReportInput.ofEvaluation("t", Map.of(), model, wide, List.of()));
    assertEquals("embedding dimensions differ: 4!=3", dims.getMessage());
    EmbeddingSample unknown = new EmbeddingSample(new float[][] {{1, 2, 3}, {3, 2, 1}}, new int[] {0, 2}, "unknown");
    IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
        () -> ReportInput.ofEvaluation("t", Map.of(), model, unknown, List.of()));
    assertEquals("sample labels must be classes of the model, in [0, 2); row 1 has 2", classes.getMessage());
  }

  @Test
  void aSeededDrawIsRepeatableAndBounded() {
    float[][] rows = new float[5000][];
    int[] labels = new int[5000];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new float[] {i, -i};
      labels[i] = i % 3;
    }
    EmbeddingSample a = EmbeddingSample.draw(rows, labels, EmbeddingSample.MAX_POINTS, 9, "the test set");
    EmbeddingSample b = EmbeddingSample.draw(rows, labels, EmbeddingSample.MAX_POINTS, 9, "the test set");
    assertEquals(EmbeddingSample.MAX_POINTS, a.size());
    assertEquals("2,000 of 5,000 examples of the test set", a.source());
    assertTrue(Arrays.deepEquals(a.embeddings(), b.embeddings()), "same seed, same sample");
    float[][] chosen = a.embeddings();
    int[] chosenLabels = a.labels();
    for (int i = 0; i < chosen.length; i++) {
      int row = (int) chosen[i][0];
      assertEquals(labels[row], chosenLabels[i], "labels travel with their rows");
      assertTrue(i == 0 || chosen[i - 1][0] < row, "distinct rows in their original order");
    }
    assertEquals(3, EmbeddingSample.draw(new float[][] {{1}, {2}, {3}}, new int[] {0, 1, 0}, 2000, 1, "t").size());
  }

  /** The files of a directory, less the .name.crc checksums Hadoop's local file system keeps beside each file. */
  private static Set<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(name -> !name.endsWith(".crc"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
