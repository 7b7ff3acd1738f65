package dev.magnet.it.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.TestImages;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.it.CliRun;
import dev.magnet.it.TestData;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job against real HDFS (Hadoop's MiniDFSCluster, one name node and one data node in this
 * JVM, the Hadoop 3.3.4 that Spark 3.5.9 ships): the training data, the checkpoints, the model
 * directory, metrics.json, the evaluation's JSON and the embeddings (Parquet) all live on
 * {@code hdfs://} paths, and
 * {@code --resume} reads the checkpoints back from there. Spark runs {@code local[2]}; the CLI
 * runs in-process on that session, as it does under spark-submit.
 */
class HdfsTest {
  @RegisterExtension
  static final MiniHdfs HDFS = MiniHdfs.withSpark("magnet-hdfs-it");

  @TempDir
  static Path tmp;

  private static Configuration hadoop() {
    return HDFS.spark().sparkContext().hadoopConfiguration();
  }

  private static String upload(Path local) throws IOException {
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(HDFS.uri("/magnet/data/") + local.getFileName());
    HDFS.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), target);
    return target.toString();
  }

  @Test
  void trainEvaluateAndResumeWithEveryPathOnHdfs() throws IOException {
    TestData.IdxPair local = TestData.writeIdx(TestData.images(20, 11), tmp, "train");
    String data = "idx:" + upload(local.images()) + "," + upload(local.labels());
    String checkpoints = HDFS.uri("/magnet/checkpoints");
    String model = HDFS.uri("/magnet/model");
    List<String> common = List.of("train", "--data", data, "--network", "mlp", "--embedding-dim", "8",
        "-K", "2", "-M", "4", "-D", "4", "--seed", "3", "--checkpoint-dir", checkpoints, "--output", model);

    CliRun first = CliRun.of(args(common, "--epochs", "2"));
    assertEquals(ExitCodes.SUCCESS, first.status(), first.toString());
    for (String file : List.of("metadata.json", "network.zip", "index.bin", MetricsJson.FILE_NAME)) {
      assertTrue(HDFS.fs().exists(new org.apache.hadoop.fs.Path(model, file)), "on HDFS: " + model + "/" + file);
    }
    CheckpointStore store = new CheckpointStore(checkpoints, hadoop());
    assertEquals(List.of(1, 2), store.epochs());
    assertEquals(List.of("epoch-0001", "epoch-0002"), names(checkpoints), "no staging directory is left behind");
    ModelArtifact saved = HadoopModelDirectory.load(model, hadoop());
    assertEquals(List.of("0", "1", "2"), saved.labelNames());

    String json = HDFS.uri("/magnet/eval.json");
    CliRun evaluate = CliRun.of("evaluate", "--model", model, "--data", data, "--train-data", data, "--json", json);
    assertEquals(ExitCodes.SUCCESS, evaluate.status(), evaluate.toString());
    double knn = MetricsJson.read(json, hadoop()).summary().get("knn1_accuracy");
    assertTrue(knn > 0.6, "three well-separated classes, leave-one-out 1-NN; knn1_accuracy=" + knn);

    // The embeddings of the training data, written as Parquet to HDFS and read back.
    String embeddings = HDFS.uri("/magnet/embeddings");
    CliRun embed = CliRun.of("embed", "--model", model, "--input", data, "--output", embeddings);
    assertEquals(ExitCodes.SUCCESS, embed.status(), embed.toString());
    List<org.apache.spark.sql.Row> rows =
        HDFS.spark().read().parquet(embeddings).select("id", "embedding").collectAsList();
    assertEquals(120, rows.size());
    assertTrue(rows.stream().allMatch(r -> r.getList(1).size() == 8), "embedding width 8");

    // A third epoch from the HDFS checkpoints: the run starts at epoch 3 and keeps 2 checkpoints.
    CliRun resumed = CliRun.of(args(common, "--epochs", "3", "--resume", "--overwrite"));
    assertEquals(ExitCodes.SUCCESS, resumed.status(), resumed.toString());
    MetricsJson.Document metrics = MetricsJson.read(model + "/" + MetricsJson.FILE_NAME, hadoop());
    assertEquals(3.0, metrics.summary().get("first_epoch_run"), metrics.summary().toString());
    assertEquals(3, metrics.epochs().size());
    assertEquals(List.of("epoch-0002", "epoch-0003"), names(checkpoints));
    List<String> top = names(HDFS.uri("/magnet"));
    assertFalse(top.stream().anyMatch(n -> n.contains(".tmp-") || n.contains(".old-")), top.toString());
  }

  /**
   * Image folders on HDFS: train reads and decodes them on the executors, every bad file kind lands
   * in the model's rejects table (on HDFS) with its reason, and every file is trained on or rejected.
   */
  @Test
  void trainOnImageFoldersOnHdfsRejectsEveryBadFileKind() throws IOException {
    Path local = tmp.resolve("images");
    TestImages.writeClasses(local.resolve("train"), 2, 12, 12, 12, false, "png", 3);
    TestImages.writeBadFiles(local.resolve("train/class-0"));
    TestImages.writeClasses(local.resolve("validation"), 2, 3, 12, 12, false, "png", 4);
    TestImages.writeBadFiles(local.resolve("validation/class-1"));
    String images = HDFS.uri("/magnet/images");
    HDFS.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(images));
    String model = HDFS.uri("/magnet/image-model");
    CliRun run = CliRun.of("train", "--data", "images:" + images + "/train", "--validation",
        "images:" + images + "/validation", "--network", "mlp", "--embedding-dim", "4", "-K", "2", "-M", "2", "-D",
        "4", "--epochs", "1", "--no-report", "--output", model);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());

    java.util.Map<String, String> reasons = new java.util.TreeMap<>();
    for (org.apache.spark.sql.Row r : HDFS.spark().read().parquet(model + "/rejects").collectAsList()) {
      org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(r.getString(0));
      assertTrue(r.getString(0).startsWith("hdfs://"), r.getString(0));
      reasons.put(file.getParent().getParent().getName() + "/" + file.getName(), r.getString(1));
    }
    java.util.Map<String, String> expected = new java.util.TreeMap<>();
    TestImages.BAD_FILES.forEach((name, reason) -> {
      expected.put("train/" + name, reason);
      expected.put("validation/" + name, reason);
    });
    assertEquals(expected, reasons);
    MetricsJson.Document metrics = MetricsJson.read(model + "/" + MetricsJson.FILE_NAME, hadoop());
    assertEquals(28.0, metrics.summary().get("image_files"));
    assertEquals(metrics.summary().get("image_files"), metrics.summary().get("train_examples")
        + metrics.summary().get("rejected_files"), "every file is trained on or rejected");
  }

  private static String[] args(List<String> common, String... more) {
    String[] all = Arrays.copyOf(common.toArray(String[]::new), common.size() + more.length);
    System.arraycopy(more, 0, all, common.size(), more.length);
    return all;
  }

  private static List<String> names(String directory) throws IOException {
    return Arrays.stream(HDFS.fs().listStatus(new org.apache.hadoop.fs.Path(directory)))
        .map(FileStatus::getPath).map(org.apache.hadoop.fs.Path::getName).sorted().toList();
  }
}
