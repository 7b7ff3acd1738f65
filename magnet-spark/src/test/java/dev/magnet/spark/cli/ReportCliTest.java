package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.report.HtmlReport;
import dev.magnet.spark.report.Plot;
import dev.magnet.spark.report.ThumbnailSheet;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report hooks of the CLI: {@code train} writes {@code <output>/report/} unless
 * {@code --no-report}, {@code evaluate --report DIR} writes one without the epoch plots, and
 * neither replaces a directory that is not a report.
 */
class ReportCliTest {
  /** Three classes of 8-dimensional vectors, tiny: one epoch trains in seconds. */
  private static final String DATA = "synthetic:classes=3,sub=2,per=20,dim=8";

  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static Path tmp;

  private static CliRun train(Path output, String... more) {
    String[] args = {"train", "--data", DATA, "--validation", "synthetic:per=5", "--epochs", "1", "-K", "2", "-M", "3",
        "-D", "4", "--embedding-dim", "4", "--output", output.toString()};
    String[] all = new String[args.length + more.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return CliRun.of(all);
  }

  @Test
  void trainWritesTheReportIntoItsOutputAndEvaluateWhereAsked() throws IOException {
    Path model = tmp.resolve("model");
    CliRun trained = train(model);
    assertEquals(ExitCodes.SUCCESS, trained.status(), trained.toString());
    Path report = model.resolve("report");
    assertTrue(trained.out().contains("report: " + report + "/index.html"), trained.toString());
    String page = Files.readString(report.resolve(HtmlReport.INDEX));
    for (Plot plot : Plot.values()) {
      assertTrue(Files.size(report.resolve(plot.fileName())) > 1000, plot + " written");
      assertTrue(page.contains("src=\"" + plot.fileName() + "\""), plot + " on the page");
    }
    assertTrue(page.contains("of the validation set"), "the sample is of the validation set");
    assertTrue(page.contains("<td>knn1_accuracy</td>"), "the final held-out metrics");
    assertTrue(page.contains("No pictures: the examples are vectors"),
        "vectors have no cluster exemplars, and it says so");

    Path evaluation = tmp.resolve("evaluation");
    CliRun evaluated = CliRun.of("evaluate", "--model", model.toString(), "--data", DATA, "--report",
        evaluation.toString());
    assertEquals(ExitCodes.SUCCESS, evaluated.status(), evaluated.toString());
    assertTrue(evaluated.out().contains("report: " + evaluation + "/index.html"), evaluated.toString());
    assertTrue(Files.exists(evaluation.resolve(Plot.PROJECTION.fileName())));
    assertFalse(Files.exists(evaluation.resolve(Plot.LOSS.fileName())), "an evaluation has no epochs");
    String evaluationPage = Files.readString(evaluation.resolve(HtmlReport.INDEX));
    assertTrue(evaluationPage.contains("<td>map_at_r</td>"), "the evaluation's metrics");
    assertTrue(evaluationPage.contains("120 of 120 examples of " + DATA), "every example, fewer than 2,000");
    assertTrue(evaluated.out().contains("report: no pictures: the examples of " + DATA + " are vectors"),
        evaluated.toString());
    assertTrue(evaluationPage.contains("No pictures: the examples are vectors"), "the gallery says why it is empty");
    assertFalse(Files.exists(evaluation.resolve(ThumbnailSheet.DIRECTORY)), "no thumbnails");

    // Evaluate never replaces what is not a report, and says so before any work.
    CliRun refused = CliRun.of("evaluate", "--model", model.toString(), "--data", DATA, "--report", model.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, refused.status(), refused.toString());
    assertTrue(refused.err().contains("--report file:" + model + ": exists and is not a Magnet report"), refused.toString());
    assertTrue(Files.exists(model.resolve("metadata.json")), "the model is untouched");
    assertFalse(refused.out().contains("map_at_r"), "refused before evaluating");
  }

  @Test
  void noReportMeansNone() {
    Path model = tmp.resolve("no-report");
    CliRun trained = train(model, "--no-report");
    assertEquals(ExitCodes.SUCCESS, trained.status(), trained.toString());
    assertTrue(Files.exists(model.resolve("metadata.json")));
    assertFalse(Files.exists(model.resolve("report")));
    assertFalse(trained.out().contains("report:"), trained.toString());
  }
}
