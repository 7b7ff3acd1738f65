package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a person sees it: headless Chromium (Debian's {@code chromium}) opens the page
 * from the file system, with no network, and (1) every plot image loads at its size, (2) a
 * screenshot of the page shows the plots' colours. Fails, never skips, when Chromium is missing.
 *
 * <p>The screenshot and the rendered page stay in {@code target/report-render/} to look at.
 */
class HtmlReportRenderTest {
  /** Seconds one Chromium run may take on a loaded 2-core machine (about 5 when idle). */
  private static final long CHROMIUM_TIMEOUT_SECONDS = 90;
  /** Tall enough for every section of a 3-epoch report at 1280 px wide. */
  private static final String WINDOW = "1280,3200";
  private static final Pattern CHECKED = Pattern.compile("<pre id=\"image-check\">(.*?)</pre>", Pattern.DOTALL);

  private static Path chromium;
  private static Path out;
  private static Path report;

  @TempDir
  static Path profiles;

  @BeforeAll
  static void writeTheReport() throws IOException {
    chromium = chromium();
    out = Paths.get("target", "report-render").toAbsolutePath();
    report = out.resolve("report");
    Files.createDirectories(out);
    HtmlReport.write(ReportFixtures.training(3), report.toString(), new Configuration());
  }

  @Test
  void everyPlotImageLoadsAtItsSize() throws IOException, InterruptedException {
    // A copy of the page beside it, with a script that lists each image's loaded size: the
    // report itself runs no script.
    String page = Files.readString(report.resolve(HtmlReport.INDEX));
    String script = "<script>window.addEventListener('load', () => {"
        + " const pre = document.createElement('pre'); pre.id = 'image-check';"
        + " pre.textContent = Array.from(document.images).map(i => i.getAttribute('src') + ' '"
        + " + i.naturalWidth + ' ' + i.naturalHeight).join('\\n'); document.body.appendChild(pre); });</script>";
    Path check = report.resolve("render-check.html");
    Files.writeString(check, page.replace("</body>", script + "\n</body>"));
    try {
      String dom = run("dump-dom", "--dump-dom", "--virtual-time-budget=5000", check.toUri().toString());
      Matcher matcher = CHECKED.matcher(dom);
      assertTrue(matcher.find(), "Chromium ran the check script; its DOM:\n" + dom);
      Map<String, int[]> loaded = new HashMap<>();
      for (String line : matcher.group(1).strip().split("\n")) {
        String[] parts = line.strip().split(" ");
        loaded.put(parts[0], new int[] {Integer.parseInt(parts[1]), Integer.parseInt(parts[2])});
      }
      assertEquals(Set.of("loss.png", "validation.png", "phases.png", "projection.png"), loaded.keySet());
      for (Plot plot : Plot.values()) {
        int[] size = loaded.get(plot.fileName());
        assertEquals(plot.width(), size[0], plot + " loaded with its width (0 = broken image)");
        assertEquals(plot.height(), size[1], plot + " loaded with its height");
      }
    } finally {
      Files.delete(check);
    }
  }

  @Test
  void aScreenshotOfThePageShowsThePlots() throws IOException, InterruptedException {
    Path screenshot = out.resolve("screenshot.png");
    Files.deleteIfExists(screenshot);
    run("screenshot", "--screenshot=" + screenshot, "--window-size=" + WINDOW, "--hide-scrollbars",
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

  /** Runs headless Chromium on the page; returns its standard output. */
  private static String run(String name, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--user-data-dir=" + profiles.resolve(name)));
    command.addAll(List.of(args));
    Path stdout = out.resolve(name + ".out");
    Path stderr = out.resolve(name + ".err");
    Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    if (!process.waitFor(CHROMIUM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("Chromium did not finish within " + CHROMIUM_TIMEOUT_SECONDS + " s: " + command + "\n" + Files.readString(stderr));
    }
    assertEquals(0, process.exitValue(), "Chromium's exit status: " + command + "\n" + Files.readString(stderr));
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  /** Debian's chromium on the PATH, or a failure saying how to install it. */
  private static Path chromium() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path candidate = Paths.get(dir, name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return fail("the report's render check needs headless Chromium, which is not on the PATH ("
        + System.getenv("PATH") + "): install it with 'apt-get install chromium' (Debian's package; ./run-tests"
        + " installs it when missing)");
  }
}
