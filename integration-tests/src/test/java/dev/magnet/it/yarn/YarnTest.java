package dev.magnet.it.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.it.Processes;
import dev.magnet.it.TestData;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Magnet on YARN as its users submit it: the repository's {@code ./spark-submit} with
 * {@code SPARK_HOME} and {@code HADOOP_CONF_DIR} set, so the shaded job jar goes through Spark's
 * own launcher to {@code --master yarn}, against {@link YarnCluster} (Hadoop's MiniYARNCluster
 * and MiniDFSCluster in this JVM). Data, checkpoints, models and embeddings are on HDFS.
 *
 * <ul>
 *   <li>client mode (the driver is the spark-submit process, executors are YARN containers):
 *       train, evaluate and embed, each with the exit status and results of a working job;
 *   <li>cluster mode (the driver runs in YARN's application master): embed, which YARN must
 *       record as SUCCEEDED in one attempt for spark-submit to exit 0;
 *   <li>{@code conf/examples/yarn-cluster.sh}, run as it is with small settings from the
 *       environment: its application master killed once checkpoint 1 exists (the script exits 1,
 *       YARN records the attempt FAILED), then the same script with the same run id resumes after
 *       the last complete epoch, and evaluates; with missing data the script exits 3, the
 *       driver's status, which cluster mode's spark-submit alone reports as 1.
 * </ul>
 */
class YarnTest {
  /** Executors sized for a 2-core machine: two of one core. */
  private static final List<String> SMALL_EXECUTORS = List.of("--num-executors", "2", "--executor-cores", "1",
      "--executor-memory", "768m", "--conf", "spark.executor.memoryOverhead=512m", "--driver-memory", "1g");
  /** The tiny network and neighbourhoods of the ./spark-submit runs (the script's are conf/train.args'). */
  private static final List<String> SMALL_JOB = List.of("--network", "mlp", "--embedding-dim", "4", "-K", "2",
      "-M", "3", "-D", "4", "--seed", "17", "--workers", "2", "--no-report");

  @TempDir
  static Path tmp;
  private static YarnCluster cluster;
  private static FileSystem fs;
  /** 8x8 IDX training data on HDFS (the --data spelling). */
  private static String smallData;
  /** A PNG class-folder tree of 8x8 images on HDFS. */
  private static String corpus;
  /** Fashion-MNIST-named 28x28 IDX files on HDFS, for the example script. */
  private static String fmnistLike;

  @BeforeAll
  static void start() throws IOException {
    cluster = YarnCluster.start(tmp.resolve("yarn"));
    fs = cluster.fileSystem();
    TestData.IdxPair small = TestData.writeIdx(TestData.images(20, 11), tmp, "small");
    smallData = "idx:" + upload(small.images(), "/data/small/images.idx") + ","
        + upload(small.labels(), "/data/small/labels.idx");
    TestData.writePngs(TestData.images(3, 29), tmp.resolve("corpus"));
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(tmp.resolve("corpus").toUri()),
        new org.apache.hadoop.fs.Path("/data/corpus"));
    corpus = cluster.hdfs() + "/data/corpus";
    fmnistLike = cluster.hdfs() + "/data/fmnist-like";
    // One generator's images (its sub-class templates), split: 240 to train on, 60 held out.
    LabelledDataset all = SyntheticData.images(3, 2, 50, 28, 5);
    writeFmnistLike("train", all.subset(IntStream.range(0, 240).toArray()));
    writeFmnistLike("t10k", all.subset(IntStream.range(240, 300).toArray()));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String upload(Path local, String target) throws IOException {
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(target));
    return cluster.hdfs() + target;
  }

  /** Gzipped IDX files named as Fashion-MNIST's, which the example script reads. */
  private static void writeFmnistLike(String split, LabelledDataset data) throws IOException {
    Path images = tmp.resolve(split + "-images-idx3-ubyte.gz");
    Path labels = tmp.resolve(split + "-labels-idx1-ubyte.gz");
    IdxWriter.writeImages(images, data.features(), IdxWriter.Compression.GZIP);
    IdxWriter.writeLabels(labels, data.labels(), IdxWriter.Compression.GZIP);
    upload(images, "/data/fmnist-like/" + images.getFileName());
    upload(labels, "/data/fmnist-like/" + labels.getFileName());
  }

  private static Configuration hadoop() throws IOException {
    return fs.getConf();
  }

  /** {@code ./spark-submit command --master yarn --deploy-mode mode ...} with the site's properties. */
  private static Launch submit(String name, String command, String mode, String... args) throws IOException {
    List<String> line = new ArrayList<>(List.of(command, "--master", "yarn", "--deploy-mode", mode,
        "--name", name, "--properties-file", cluster.siteProperties().toString()));
    line.addAll(SMALL_EXECUTORS);
    line.addAll(List.of(args));
    return Launch.start(tmp.resolve("logs"), name, cluster.environment(), "spark-submit", line);
  }

  private static void assertSucceeded(String name, int attempts) throws IOException {
    List<ApplicationReport> apps = cluster.applications(name);
    assertEquals(1, apps.size(), name + ": " + apps);
    ApplicationReport app = apps.get(0);
    assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), name + ": " + app.getDiagnostics());
    assertEquals(attempts, app.getCurrentApplicationAttemptId().getAttemptId(), name);
  }

  /**
   * The run's output and every container's stderr, for a failed assertion's message; built only
   * when the assertion fails (pass it as a supplier), as the walk races YARN's own file churn.
   */
  private static String failure(Launch run) {
    return run + "\ncontainers' stderr:\n" + cluster.containerLogs();
  }

  @Test
  void clientModeTrainsEvaluatesAndEmbeds() throws Exception {
    String model = cluster.hdfs() + "/client/model";
    Launch train = submit("client-train", "train", "client", concat(SMALL_JOB, "--data", smallData,
        "--validation", smallData, "--epochs", "2", "--output", model));
    assertEquals(ExitCodes.SUCCESS, train.await(), () -> failure(train));
    assertTrue(train.output().contains("epoch 2: loss"), train.toString());
    assertSucceeded("client-train", 1);
    Map<String, Double> validation = lastValidation(model);
    assertTrue(validation.get("knn1_accuracy") >= 0.6, "three separable classes; " + validation);

    String json = cluster.hdfs() + "/client/evaluation.json";
    Launch evaluate = submit("client-evaluate", "evaluate", "client", "--model", model, "--data", smallData,
        "--json", json);
    assertEquals(ExitCodes.SUCCESS, evaluate.await(), () -> failure(evaluate));
    Map<String, Double> evaluated = MetricsJson.read(json, hadoop()).summary();
    assertTrue(evaluated.get("precision_at_1") >= 0.6, "3 classes, chance is 1/3: " + evaluated);

    String embeddings = cluster.hdfs() + "/client/embeddings";
    Launch embed = submit("client-embed", "embed", "client", "--model", model, "--input", "images:" + corpus,
        "--output", embeddings);
    assertEquals(ExitCodes.SUCCESS, embed.await(), () -> failure(embed));
    assertTrue(embed.output().contains("read      18 images"), embed.toString());
    assertTrue(embed.output().contains("rejected  0"), embed.toString());
    assertTrue(parquetFiles(embeddings) > 0, "Parquet files in " + embeddings);
  }

  /**
   * The driver in the application master: YARN's final status is the job's, so spark-submit
   * exits 0 (the driver must return, not call System.exit, or YARN records a success as FAILED).
   */
  @Test
  void clusterModeEmbedsAndYarnRecordsTheSuccess() throws Exception {
    String model = cluster.hdfs() + "/cluster/model";
    trainSmallModel(model);
    String embeddings = cluster.hdfs() + "/cluster/embeddings";
    Launch embed = submit("cluster-embed", "embed", "cluster", "--model", model, "--input", "images:" + corpus,
        "--output", embeddings);
    assertEquals(ExitCodes.SUCCESS, embed.await(), () -> failure(embed));
    assertSucceeded("cluster-embed", 1);
    assertTrue(parquetFiles(embeddings) > 0, "Parquet files in " + embeddings);
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(embeddings + "_rejects")), "the rejects table, empty");
  }

  /** A model trained in client mode for the tests that need one. */
  private static void trainSmallModel(String model) throws Exception {
    Launch train = submit("train-" + Path.of(model).getParent().getFileName(), "train", "client",
        concat(SMALL_JOB, "--data", smallData, "--epochs", "1", "--output", model));
    assertEquals(ExitCodes.SUCCESS, train.await(), () -> failure(train));
  }

  /**
   * conf/examples/yarn-cluster.sh with its application master (the driver) killed after epoch 1
   * has been checkpointed: the script fails; run again with the same RUN, it resumes after the
   * last complete checkpoint, trains to the end and evaluates the model.
   */
  @Test
  void theYarnExampleResumesAfterItsApplicationMasterIsKilled() throws Exception {
    String run = "am-killed";
    Map<String, String> env = scriptEnvironment(run, fmnistLike);
    CheckpointStore store = new CheckpointStore(cluster.hdfs() + "/checkpoints/" + run, hadoop());

    Launch first = script("example-killed", env);
    Processes.await(() -> !first.process.isAlive() || !epochs(store).isEmpty(), "checkpoint 1 of the example");
    List<ProcessHandle> masters = YarnCluster.containers("org.apache.spark.deploy.yarn.ApplicationMaster");
    assertTrue(first.process.isAlive() && masters.size() == 1,
        () -> "the driver was training when killed: " + masters + "\n" + failure(first));
    masters.get(0).destroyForcibly();
    int status = first.await();
    assertEquals(ExitCodes.INTERNAL_ERROR, status,
        () -> "no driver status to report: spark-submit's\n" + failure(first));
    List<Integer> left = epochs(store);
    assertTrue(!left.isEmpty() && left.get(left.size() - 1) < 4, "complete checkpoints left: " + left);
    List<ApplicationReport> killed = cluster.applications("magnet-fmnist-" + run);
    assertEquals(FinalApplicationStatus.FAILED, killed.get(0).getFinalApplicationStatus(), killed.toString());

    Launch again = script("example-resumed", env);
    assertEquals(ExitCodes.SUCCESS, again.await(), () -> failure(again));
    String model = cluster.hdfs() + "/models/" + run;
    MetricsJson.Document metrics = MetricsJson.read(model + "/" + MetricsJson.FILE_NAME, hadoop());
    assertEquals(left.get(left.size() - 1) + 1.0, metrics.summary().get("first_epoch_run"),
        "resumed after the last complete checkpoint " + left + ": " + metrics.summary());
    assertEquals(4, metrics.epochs().size());
    assertEquals(4, HadoopModelDirectory.load(model, hadoop()).provenance().epochs());
    List<ApplicationReport> trainings = cluster.applications("magnet-fmnist-" + run);
    assertEquals(2, trainings.size(), trainings.toString());
    assertEquals(FinalApplicationStatus.SUCCEEDED, trainings.get(1).getFinalApplicationStatus());
    String driver = cluster.masterLog(trainings.get(1));
    assertTrue(driver.contains("ND4J native threads per task: 1") && !driver.contains("OMP_NUM_THREADS=null"),
        "conf/spark-defaults.conf gives the driver in the application master OMP_NUM_THREADS=1:\n" + driver);
    Map<String, Double> evaluated = MetricsJson.read(model + "-evaluation.json", hadoop()).summary();
    assertTrue(evaluated.get("knn1_accuracy") >= 0.6, "held-out 1-NN of a trained model: " + evaluated);
    assertSucceeded("magnet-fmnist-" + run + "-evaluate", 1);
  }

  /** In cluster mode the example exits with the driver's status (3, missing data), not spark-submit's 1. */
  @Test
  void theYarnExampleExitsWithTheDriversStatus() throws Exception {
    String run = "missing-data";
    Launch script = script("example-missing-data", scriptEnvironment(run, cluster.hdfs() + "/data/nowhere"));
    assertEquals(ExitCodes.BAD_INPUT, script.await(), () -> failure(script));
    assertTrue(script.output().contains("the driver's status: 3"), script.toString());
    List<ApplicationReport> apps = cluster.applications("magnet-fmnist-" + run);
    assertEquals(1, apps.size(), "one attempt, no evaluation: " + apps);
    assertEquals(FinalApplicationStatus.FAILED, apps.get(0).getFinalApplicationStatus());
    assertTrue(apps.get(0).getDiagnostics().contains("User application exited with status 3"),
        apps.get(0).getDiagnostics());
  }

  /** The script's settings for this cluster: small executors, 4 epochs of fmnist-cnn, 2 workers. */
  private static Map<String, String> scriptEnvironment(String run, String data) {
    Map<String, String> env = new HashMap<>(cluster.environment());
    env.putAll(Map.of("DATA", data, "RUN", run, "MODEL_ROOT", cluster.hdfs() + "/models",
        "CHECKPOINT_ROOT", cluster.hdfs() + "/checkpoints", "NUM_EXECUTORS", "2", "EXECUTOR_CORES", "1",
        "EXECUTOR_MEMORY", "768m", "EXECUTOR_OVERHEAD", "512m", "DRIVER_MEMORY", "1g"));
    env.putAll(Map.of("EPOCHS", "4", "WORKERS", "2", "MIN_METRIC", "knn1_accuracy=0.5", "TMPDIR", tmp.toString()));
    return env;
  }

  private static Launch script(String name, Map<String, String> env) throws IOException {
    return Launch.start(tmp.resolve("logs"), name, env, "conf/examples/yarn-cluster.sh",
        List.of("--properties-file", cluster.siteProperties().toString()));
  }

  private static List<Integer> epochs(CheckpointStore store) {
    try {
      return store.epochs();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Double> lastValidation(String model) throws IOException {
    MetricsJson.Document metrics = MetricsJson.read(model + "/" + MetricsJson.FILE_NAME, hadoop());
    return metrics.epochs().get(metrics.epochs().size() - 1).validation();
  }

  private static long parquetFiles(String directory) throws IOException {
    return java.util.Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(directory)))
        .filter(s -> s.getPath().getName().endsWith(".parquet")).count();
  }

  private static String[] concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }
}
