package dev.magnet.spark.neighbours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.magnet.spark.SparkTestSession;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The galleries of {@code neighbours query --report} as a person sees them: headless Chromium
 * (Debian's {@code chromium}) opens each page from the file system and every thumbnail loads
 * with a size; the borders mark same and different labels. Fails, never skips, without Chromium.
 * The pages stay in {@code target/gallery-render/}.
 */
class GalleryRenderTest {
  private static final long CHROMIUM_TIMEOUT_SECONDS = 90;
  private static final Pattern CHECKED = Pattern.compile("<pre id=\"image-check\">(.*?)</pre>", Pattern.DOTALL);
  private static SparkSession spark;
  private static Path out;
  @TempDir
  static Path dir;

  @BeforeAll
  static void galleries() throws IOException {
    spark = SparkTestSession.start("GalleryRenderTest");
    out = Paths.get("target", "gallery-render").toAbsolutePath();
    Files.createDirectories(out);
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

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Path gallery(String name, Double threshold) {
    Path report = out.resolve(name);
    new IndexQueryJob(spark, new PrintWriter(new StringWriter())).run(new QueryRequest(dir.resolve("index").toString(),
        null, true, 5, 2, 32, threshold, false, dir.resolve(name + "-table").toString(), report.toString(), true));
    return report;
  }

  @Test
  void everyNeighbourThumbnailRenders() throws Exception {
    Path report = gallery("neighbours", null);
    String page = Files.readString(report.resolve(Gallery.INDEX));
    assertTrue(page.contains("class=\"same\""), "a neighbour of the query's colour is marked");
    List<int[]> sizes = loadedImages(report);
    assertEquals(Gallery.QUERIES * 6, sizes.size(), "each sampled query and its 5 neighbours");
    for (int[] size : sizes) {
      assertTrue(size[0] > 0 && size[1] > 0, "every thumbnail loaded (0 = broken image)");
    }
  }

  @Test
  void nearDuplicatePairsRenderSideBySide() throws Exception {
    Path report = gallery("pairs", 0.05);
    List<int[]> sizes = loadedImages(report);
    assertEquals(2, sizes.size(), "the one pair within 0.05, side by side");
    for (int[] size : sizes) {
      assertTrue(size[0] > 0 && size[1] > 0, "every thumbnail loaded");
    }
  }

  /** Each image's loaded size, as Chromium reports it after loading a copy of the page with a check script. */
  private static List<int[]> loadedImages(Path report) throws IOException, InterruptedException {
    String page = Files.readString(report.resolve(Gallery.INDEX));
    String script = "<script>window.addEventListener('load', () => {"
        + " const pre = document.createElement('pre'); pre.id = 'image-check';"
        + " pre.textContent = Array.from(document.images).map(i => i.naturalWidth + ' ' + i.naturalHeight)"
        + ".join('\\n'); document.body.appendChild(pre); });</script>";
    Path check = report.resolve("render-check.html");
    Files.writeString(check, page.replace("</body>", script + "\n</body>"));
    try {
      String dom = chromium(report, "--dump-dom", "--virtual-time-budget=5000", check.toUri().toString());
      Matcher matcher = CHECKED.matcher(dom);
      assertTrue(matcher.find(), "Chromium ran the check script; its DOM:\n" + dom);
      List<int[]> sizes = new ArrayList<>();
      for (String line : matcher.group(1).strip().split("\n")) {
        String[] parts = line.strip().split(" ");
        sizes.add(new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])});
      }
      return sizes;
    } finally {
      Files.delete(check);
    }
  }

  private static String chromium(Path report, String... args) throws IOException, InterruptedException {
    Path binary = null;
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        if (Files.isExecutable(Paths.get(d, name))) {
          binary = Paths.get(d, name);
        }
      }
    }
    if (binary == null) {
      fail("the gallery's render check needs headless Chromium: install it with 'apt-get install chromium'"
          + " (./run-tests installs it when missing)");
    }
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--user-data-dir=" + dir.resolve("profile-" + report.getFileName())));
    command.addAll(List.of(args));
    Path stdout = out.resolve(report.getFileName() + ".out");
    Path stderr = out.resolve(report.getFileName() + ".err");
    Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    if (!process.waitFor(CHROMIUM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("Chromium did not finish within " + CHROMIUM_TIMEOUT_SECONDS + " s: " + command);
    }
    assertEquals(0, process.exitValue(), "Chromium's exit status: " + command + "\n" + Files.readString(stderr));
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }
}
