package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.HeadlessChromium;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The report as a person sees it: headless Chromium (Debian's {@code chromium}) opens the page
 * from the file system, with no network, and (1) every plot image loads at its size, (2) a
 * screenshot of the page shows the plots' colours. Fails, never skips, when Chromium is missing.
 *
 * <p>The screenshot and the rendered page stay in {@code target/report-render/} to look at.
 */
class HtmlReportRenderTest {
  /** Tall enough for every section of a 3-epoch report at 1280 px wide. */
  private static final String WINDOW = "1280,3200";

  @RegisterExtension
  static final HeadlessChromium.Fixture render = new HeadlessChromium.Fixture("report-render",
      "the report's render check");
  private static HeadlessChromium chromium;
  private static Path report;

  @BeforeAll
  static void writeTheReport() throws IOException {
    chromium = render.chromium();
    report = render.out().resolve("report");
    HtmlReport.write(ReportFixtures.training(3), report.toString(), new Configuration());
  }

  @Test
  void everyPlotImageLoadsAtItsSize() throws IOException, InterruptedException {
    Map<String, int[]> loaded = new HashMap<>();
    for (HeadlessChromium.LoadedImage image : chromium.loadedImages("dump-dom", report.resolve(HtmlReport.INDEX))) {
      loaded.put(image.src(), new int[] {image.width(), image.height()});
    }
    assertEquals(Set.of("loss.png", "validation.png", "phases.png", "projection.png"), loaded.keySet());
    for (Plot plot : Plot.values()) {
      int[] size = loaded.get(plot.fileName());
      assertEquals(plot.width(), size[0], plot + " loaded with its width (0 = broken image)");
      assertEquals(plot.height(), size[1], plot + " loaded with its height");
    }
  }

  @Test
  void aScreenshotOfThePageShowsThePlots() throws IOException, InterruptedException {
    Path screenshot = render.out().resolve("screenshot.png");
    Files.deleteIfExists(screenshot);
    chromium.run("screenshot", "--screenshot=" + screenshot, "--window-size=" + WINDOW, "--hide-scrollbars",
        report.resolve(HtmlReport.INDEX).toUri().toString());
    BufferedImage image = ImageIO.read(screenshot.toFile());
    assertNotNull(image, "Chromium wrote a PNG screenshot to " + screenshot);
    Set<Integer> colours = new HashSet<>();
    long saturated = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xFFFFFF;
        colours.add(rgb);
        int r = rgb >> 16;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80) {
          saturated++;
        }
      }
    }
    double share = (double) saturated / ((long) image.getWidth() * image.getHeight());
    // Text and tables are grey; only drawn plots put strongly coloured pixels on the page.
    assertTrue(colours.size() > 200, "distinct colours in " + screenshot + ": " + colours.size());
    assertTrue(share > 0.005, "share of coloured pixels in " + screenshot + ": " + share);
    for (int c = 0; c < 2; c++) {
      assertTrue(colours.contains(ReportCharts.classColour(c).getRGB() & 0xFFFFFF), "class " + c + "'s colour is on screen");
    }
  }
}
