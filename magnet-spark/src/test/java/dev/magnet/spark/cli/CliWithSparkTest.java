package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.Metric;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against the test session (it uses an active session rather than starting one): input
 * errors, the output check and {@code evaluate}. Nothing here trains: the trainer is tested on
 * its own.
 */
class CliWithSparkTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  Path tmp;

  @Test
  void aMissingDataFileExitsWith3NamingIt() {
    CliRun run = CliRun.of("train", "--data", "idx:" + tmp.resolve("images.idx") + "," + tmp.resolve("labels.idx"),
        "--output", tmp.resolve("model").toString());
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    assertTrue(run.err().contains("IDX file not found: file:" + tmp.resolve("labels.idx")), run.toString());
    assertFalse(Files.exists(tmp.resolve("model")));
  }

  @Test
  void anExistingOutputWithoutOverwriteExitsWith2BeforeAnyDataIsRead() throws IOException {
    Path output = Files.createDirectories(tmp.resolve("model"));
    CliRun run = CliRun.of("train", "--data", "idx:" + tmp.resolve("missing.idx") + "," + tmp.resolve("missing.idx"),
        "--output", output.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
    assertTrue(run.err().contains("output " + output + " already exists; pass --overwrite to replace it"), run.toString());
  }

  /** {@code --overwrite} used to replace any directory; one Magnet did not write is refused before anything is read. */
  @Test
  void anOverwriteOfADirectoryMagnetDidNotWriteExitsWith2AndKeepsIt() throws IOException {
    Path output = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(output.resolve("notes.txt"), "mine");
    CliRun run = CliRun.of("train", "--data", "idx:" + tmp.resolve("missing.idx") + "," + tmp.resolve("missing.idx"),
        "--output", output.toString(), "--overwrite");
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
    assertEquals("magnet train: output file:" + output + ": exists and was not written by Magnet (it has no"
        + " _MAGNET_OUTPUT file); --overwrite replaces only Magnet's outputs: choose another path, or delete it"
        + " yourself", run.err().strip());
    assertEquals("mine", Files.readString(output.resolve("notes.txt")));
  }

  /** A model directory whose index changed after it was written (a bad copy, a bad disk) exits 3 naming the file. */
  @Test
  void aDamagedModelExitsWith3NamingTheFile() throws IOException {
    Path model = tmp.resolve("damaged");
    HadoopModelDirectory.save(TestModels.tiny(), model.toString(), new Configuration(), false);
    Files.delete(model.resolve(".index.bin.crc")); // as after a copy to a store without checksum files
    byte[] index = Files.readAllBytes(model.resolve("index.bin"));
    index[index.length - 1] ^= 1;
    Files.write(model.resolve("index.bin"), index);
    CliRun run = CliRun.of("evaluate", "--model", model.toString(), "--data", "synthetic:classes=2,sub=1,per=5,dim=4");
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    assertTrue(run.err().startsWith("magnet evaluate: file:" + model + "/index.bin is corrupt: its SHA-256 is "),
        run.toString());
  }

  @Test
  void aTableOfTheWrongSchemaExitsWith3() {
    String path = tmp.resolve("t.parquet").toString();
    session.createDataFrame(List.of(RowFactory.create(new double[] {1, 2}, 1.5)), new StructType()
        .add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.DoubleType))
        .write().parquet(path);
    CliRun run = CliRun.of("train", "--data", "parquet:" + path, "--output", tmp.resolve("model").toString());
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    assertTrue(run.err().contains("Column label must be of type integer or string but was actually double."), run.toString());
  }

  /** Ten 4-dimensional vectors in two classes, the tiny model's input. */
  private String vectors() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(RowFactory.create(Vectors.dense(i % 2, i / 10.0, 1 - i % 2, 0.5), i % 2));
    }
    String path = tmp.resolve("vectors.parquet").toString();
    session.createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", DataTypes.IntegerType)).coalesce(1).write().parquet(path);
    return path;
  }

  @Test
  void evaluatePrintsAndWritesTheMetricsAndGatesThem() throws IOException {
    String model = tmp.resolve("model").toString();
    HadoopModelDirectory.save(TestModels.tiny(), model, new Configuration(), false);
    String data = "parquet:" + vectors();
    String json = tmp.resolve("eval.json").toString();
    CliRun run = CliRun.of("evaluate", "--model", model, "--data", data, "--train-data", data, "--json", json);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    for (String metric : List.of("cluster_accuracy", "knn1_accuracy", "knn10_accuracy", "map_at_r", "nmi")) {
      assertTrue(run.out().contains(metric), run.toString());
    }
    MetricsJson.Document written = MetricsJson.read(json, new Configuration());
    assertTrue(written.summary().get("knn1_accuracy") >= 0, written.toString());
    CliRun gated = CliRun.of("evaluate", "--model", model, "--data", data, "--min-metric", "nmi=1.5");
    assertEquals(ExitCodes.METRIC_GATE_FAILED, gated.status(), gated.toString());
    assertTrue(gated.err().contains("metric gate failed: nmi="), gated.toString());
    assertTrue(gated.err().contains("is below the minimum 1.5"), gated.toString());
  }

  /** Every metric of DESIGN.md §2, each in a row of the table and in the JSON, with the fine column. */
  @Test
  void evaluatePrintsEveryMetricAsATableRowWithItsFineVariantAndWritesThemAll() throws IOException {
    String model = tmp.resolve("model").toString();
    HadoopModelDirectory.save(TestModels.tiny(), model, new Configuration(), false);
    // Synthetic data carries its hidden sub-classes as fine labels: hierarchy recovery is evaluated too.
    String data = "synthetic:classes=2,sub=2,per=10,dim=4";
    String json = tmp.resolve("eval.json").toString();
    CliRun run = CliRun.of("evaluate", "--model", model, "--data", data, "--train-data", data, "--json", json);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().startsWith("evaluated 40 examples of " + data + " against 40 training examples of " + data
        + "\n"), run.out());
    assertTrue(run.out().matches("(?s).*\\nmetric +value +fine\\n.*"), run.out());
    MetricsJson.Document written = MetricsJson.read(json, new Configuration());
    assertFalse(written.summary().containsKey("argmax_accuracy"), "only a softmax model has an argmax: " + written);
    for (Metric metric : EnumSet.complementOf(EnumSet.of(Metric.ARGMAX_ACCURACY))) {
      for (String name : metric.names()) {
        String fine = metric == Metric.CLUSTER_ACCURACY ? "-" : "[01]\\.\\d{4}";
        assertTrue(Pattern.compile("(?m)^" + name + " +[01]\\.\\d{4} +" + fine + "$").matcher(run.out()).find(),
            name + " row in\n" + run.out());
        assertTrue(written.summary().containsKey(name), name + " in " + written.summary());
        if (metric != Metric.CLUSTER_ACCURACY) {
          assertTrue(written.summary().containsKey(Evaluator.FINE_PREFIX + name), "fine_" + name);
        }
      }
    }
    assertTrue(Pattern.compile("(?m)^retrieval_excluded_queries +0 +0$").matcher(run.out()).find(), run.out());

    CliRun noTrain = CliRun.of("evaluate", "--model", model, "--data", data);
    assertEquals(ExitCodes.SUCCESS, noTrain.status(), noTrain.toString());
    assertTrue(noTrain.out().contains("k-NN accuracies skipped (they need --train-data)"), noTrain.out());
    assertFalse(noTrain.out().contains("knn1_accuracy"), noTrain.out());
  }

  @Test
  void aMissingModelExitsWith3AndShowsTheStackTraceOnlyWhenVerbose() {
    String model = tmp.resolve("nope").toString();
    CliRun quiet = CliRun.of("evaluate", "--model", model, "--data", "fashion-mnist-test");
    assertEquals(ExitCodes.BAD_INPUT, quiet.status(), quiet.toString());
    assertEquals("magnet evaluate: model directory not found: file:" + model, quiet.err().strip());
    CliRun verbose = CliRun.of("evaluate", "--verbose", "--model", model, "--data", "fashion-mnist-test");
    assertEquals(ExitCodes.BAD_INPUT, verbose.status(), verbose.toString());
    assertTrue(verbose.err().contains("\tat "), verbose.toString());
  }
}
