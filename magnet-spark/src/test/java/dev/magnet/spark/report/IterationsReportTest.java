package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IterationsReportTest {
  @TempDir
  Path tmp;

  private static String write(Path dir) throws IOException {
    return IterationsReport.write("Error <against> iterations",
        List.of(new IterationsReport.Series("magnet", List.of(250L, 500L), List.of(0.2, 0.14)),
            new IterationsReport.Series("triplet", List.of(250L, 500L), List.of(0.22, Double.NaN))),
        Map.of("target 0.15", 0.15), List.of("a note & more"), List.of("run", "lowest error"),
        List.of(List.of("magnet", "0.1400")), dir.toString(), new Configuration());
  }

  @Test
  void writesThePlotAndAPageThatShowsIt() throws IOException {
    Path dir = tmp.resolve("report");
    String page = write(dir);
    assertEquals(dir + "/" + HtmlReport.INDEX, page);
    String html = Files.readString(dir.resolve(HtmlReport.INDEX));
    assertTrue(html.contains("<img src=\"" + IterationsReport.PLOT + "\""), html);
    assertTrue(html.contains("Error &lt;against&gt; iterations") && html.contains("a note &amp; more"), html);
    assertTrue(html.contains("<td class=\"num\">0.1400</td>"), html);
    assertEquals(IterationsReport.WIDTH, ImageIO.read(dir.resolve(IterationsReport.PLOT).toFile()).getWidth());
    write(dir); // an earlier report is replaced
    assertTrue(HtmlReport.isReport(dir.toString(), new Configuration()));
  }

  @Test
  void refusesADirectoryThatIsNotAReport() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(dir.resolve("notes.txt"), "keep");
    assertThrows(FileAlreadyExistsException.class, () -> write(dir));
    assertEquals("keep", Files.readString(dir.resolve("notes.txt")));
  }

  @Test
  void aSeriesNeedsOneErrorPerPoint() {
    assertEquals("a series needs one error per point; iterations=2, errors=1",
        assertThrows(IllegalArgumentException.class,
            () -> new IterationsReport.Series("x", List.of(1L, 2L), List.of(0.5))).getMessage());
  }
}
