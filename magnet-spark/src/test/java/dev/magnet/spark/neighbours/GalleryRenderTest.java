package dev.magnet.spark.neighbours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.HeadlessChromium;
import dev.magnet.spark.SparkTestSession;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The galleries of {@code neighbours query --report} as a person sees them: headless Chromium
 * (Debian's {@code chromium}) opens each page from the file system and every thumbnail loads
 * with a size; the borders mark same and different labels. Fails, never skips, without Chromium.
 * The pages stay in {@code target/gallery-render/}.
 */
class GalleryRenderTest {
  @SparkTestSession.PerClass
  private static SparkSession spark;
  @RegisterExtension
  static final HeadlessChromium.Fixture render = new HeadlessChromium.Fixture("gallery-render",
      "the gallery's render check");
  @TempDir
  static Path dir;

  @BeforeAll
  static void galleries() throws IOException {
    // 60 images of 3 colours, each a little different; items 0 and 3 are near duplicates.
    List<Row> rows = new ArrayList<>();
    Color[] colours = {new Color(200, 40, 40), new Color(40, 160, 40), new Color(40, 40, 200)};
    for (int i = 0; i < 60; i++) {
      int c = i % 3;
      BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = image.createGraphics();
      g.setColor(colours[c]);
      g.fillRect(0, 0, 40, 30);
      g.setColor(Color.WHITE);
      g.fillOval(i % 30, 5, 10, 10);
      g.dispose();
      Path file = dir.resolve("images/" + i + ".png");
      Files.createDirectories(file.getParent());
      ImageIO.write(image, "png", file.toFile());
      float[] v = i == 3 ? new float[] {0.001f, 0, 0} : new float[] {c * 10 + i * 0.01f, (i % 7) * 0.1f, c};
      rows.add(NeighboursFixtures.row(i, file.toUri().toString(), v, "colour-" + c));
    }
    NeighboursFixtures.table(spark, dir.resolve("table").toString(), rows);
    new IndexBuildJob(spark, new PrintWriter(new StringWriter())).run(new BuildRequest(dir.resolve("table").toString(),
        dir.resolve("index").toString(), 2, 16, 100, VectorMetric.EUCLIDEAN, 42, false, false));
  }

  private static Path gallery(String name, Double threshold) {
    Path report = render.out().resolve(name);
    new IndexQueryJob(spark, new PrintWriter(new StringWriter())).run(new QueryRequest(dir.resolve("index").toString(),
        null, true, 5, 2, 32, threshold, false, dir.resolve(name + "-table").toString(), report.toString(), true));
    return report;
  }

  @Test
  void everyNeighbourThumbnailRenders() throws Exception {
    Path report = gallery("neighbours", null);
    String page = Files.readString(report.resolve(Gallery.INDEX));
    assertTrue(page.contains("class=\"same\""), "a neighbour of the query's colour is marked");
    List<HeadlessChromium.LoadedImage> images = loadedImages(report);
    assertEquals(Gallery.QUERIES * 6, images.size(), "each sampled query and its 5 neighbours");
  }

  @Test
  void nearDuplicatePairsRenderSideBySide() throws Exception {
    Path report = gallery("pairs", 0.05);
    List<HeadlessChromium.LoadedImage> images = loadedImages(report);
    assertEquals(2, images.size(), "the one pair within 0.05, side by side");
  }

  /** Each image's loaded size, as Chromium reports it, every one of them loaded. */
  private static List<HeadlessChromium.LoadedImage> loadedImages(Path report) throws IOException, InterruptedException {
    return render.chromium()
        .everyImageLoads(report.getFileName().toString(), report.resolve(Gallery.INDEX));
  }
}
