package dev.magnet.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.model.AmazonS3Exception;
import com.amazonaws.services.s3.model.ObjectMetadata;
import com.amazonaws.services.s3.model.PutObjectRequest;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.util.AtOnce;
import dev.magnet.it.CliRun;
import dev.magnet.it.LocalSpark;
import dev.magnet.it.SparkHome;
import dev.magnet.it.TestData;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.PublishDirectory.Attempt;
import dev.magnet.spark.io.PublishDirectory.Gate;
import dev.magnet.spark.io.PublishDirectory.Publication;
import dev.magnet.spark.util.ExitCodes;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.util.Progressable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on S3 through Hadoop's S3A client ({@code hadoop-aws} 3.3.4, Spark 3.5.9's Hadoop)
 * against an in-process S3 endpoint ({@link S3Endpoint}): data, checkpoints, models, the
 * evaluation's JSON, an image corpus and the embeddings all on {@code s3a://} paths. The CLI runs
 * in-process on a {@code local[2]} session configured for the endpoint, as under spark-submit,
 * and once through {@code ./spark-submit} in embedded mode, whose class path must carry S3A.
 *
 * <p>What an object store changes for Magnet: rename is a copy (the atomic-directory protocol of
 * models and checkpoints must still leave only whole directories, and publishing commits a version
 * by a conditional PUT of its record instead of a rename, then copies it), there are no {@code .crc}
 * files (a damaged model must still be refused, by the model's own digests), and listing shows
 * keys, not directories.
 */
class S3Test {
  private static final String BUCKET = "magnet";
  private static final String ROOT = "s3a://" + BUCKET;
  /** The tiny network and neighbourhoods of every training run here. */
  private static final List<String> SMALL = List.of("--network", "mlp", "--embedding-dim", "8", "-K", "2", "-M", "4",
      "-D", "4", "--seed", "3", "--no-report");

  @TempDir
  static Path tmp;
  private static S3Endpoint s3;
  private static SparkSession spark;
  private static FileSystem fs;
  /** IDX training data on S3, the {@code --data} spelling. */
  private static String data;
  /** A model trained for one epoch, on S3. */
  private static String model;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Endpoint.start(BUCKET);
    spark = LocalSpark.start("magnet-s3-it", "local[2]", s3.spark());
    fs = new org.apache.hadoop.fs.Path(ROOT).getFileSystem(hadoop());
    TestData.IdxPair local = TestData.writeIdx(TestData.images(20, 11), tmp, "train");
    data = "idx:" + upload(local.images(), ROOT + "/data/train-images.idx") + ","
        + upload(local.labels(), ROOT + "/data/train-labels.idx");
    model = ROOT + "/models/base";
    // One epoch of 120 images: Adam 1e-3, not the default 3e-4 tuned for 60,000, so that the model the
    // evaluations below check against their thresholds is trained in the one epoch.
    CliRun train = CliRun.of(args("train", "--data", data, "--epochs", "1", "--learning-rate", "0.001", "--output",
        model));
    assertEquals(ExitCodes.SUCCESS, train.status(), train.toString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.stop();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static Configuration hadoop() {
    return spark.sparkContext().hadoopConfiguration();
  }

  private static String[] args(String command, String... more) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(SMALL);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static String upload(Path local, String target) throws IOException {
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(target));
    return target;
  }

  /** The names under an S3 "directory", as S3A lists them. */
  private static List<String> names(String directory) throws IOException {
    return Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(directory)))
        .map(FileStatus::getPath).map(org.apache.hadoop.fs.Path::getName).sorted().toList();
  }

  /** Keys of the bucket under {@code prefix} that are checksum or staging leftovers. */
  private static List<String> leftovers(String prefix) {
    return s3.keys(BUCKET, prefix).stream()
        .filter(k -> k.endsWith(".crc") || k.contains(".tmp-") || k.contains(".old-")).toList();
  }

  @Test
  void trainingWithCheckpointsResumesFromS3() throws IOException {
    String checkpoints = ROOT + "/checkpoints";
    String output = ROOT + "/models/resumed";
    CliRun first = CliRun.of(args("train", "--data", data, "--epochs", "2", "--checkpoint-dir", checkpoints,
        "--output", output));
    assertEquals(ExitCodes.SUCCESS, first.status(), first.toString());
    assertEquals(List.of("_MAGNET_OUTPUT", "index.bin", "metadata.json", MetricsJson.FILE_NAME, "network.zip"),
        names(output));
    CheckpointStore store = new CheckpointStore(checkpoints, hadoop());
    assertEquals(List.of(1, 2), store.epochs());
    assertEquals(List.of("epoch-0001", "epoch-0002"), names(checkpoints), "no staging directory is left behind");

    CliRun resumed = CliRun.of(args("train", "--data", data, "--epochs", "3", "--checkpoint-dir", checkpoints,
        "--resume", "--overwrite", "--output", output));
    assertEquals(ExitCodes.SUCCESS, resumed.status(), resumed.toString());
    MetricsJson.Document metrics = MetricsJson.read(output + "/" + MetricsJson.FILE_NAME, hadoop());
    assertEquals(3.0, metrics.summary().get("first_epoch_run"), "resumed after epoch 2: " + metrics.summary());
    assertEquals(3, metrics.epochs().size());
    assertEquals(List.of("epoch-0002", "epoch-0003"), names(checkpoints), "the oldest checkpoint was pruned");
    assertEquals(3, HadoopModelDirectory.load(output, hadoop()).provenance().epochs());
    assertEquals(List.of(), leftovers("checkpoints/"), "S3A keeps no .crc files; no staging or aside copy is left");
    assertEquals(List.of(), leftovers("models/"));

    String json = ROOT + "/evaluations/resumed.json";
    CliRun evaluate = CliRun.of("evaluate", "--model", output, "--data", data, "--train-data", data, "--json", json);
    assertEquals(ExitCodes.SUCCESS, evaluate.status(), evaluate.toString());
    double knn = MetricsJson.read(json, hadoop()).summary().get("knn1_accuracy");
    assertTrue(knn > 0.6, "three well-separated classes, leave-one-out 1-NN; knn1_accuracy=" + knn);
  }

  /**
   * {@code embed --input images:s3a://...}: a class-folder tree of PNG files and one damaged file;
   * the images are embedded with their folder's label, the damaged one is rejected, and both
   * tables are written to S3.
   */
  @Test
  void anImageCorpusOnS3IsEmbedded() throws IOException {
    Path corpus = TestData.writePngs(TestData.images(4, 29), tmp.resolve("corpus"));
    byte[] png;
    try (var files = Files.list(corpus.resolve("1"))) {
      png = Files.readAllBytes(files.sorted().findFirst().orElseThrow());
    }
    Files.write(corpus.resolve("1/cut.png"), Arrays.copyOf(png, png.length / 2));
    fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(corpus.toUri()),
        new org.apache.hadoop.fs.Path(ROOT + "/corpus"));
    String output = ROOT + "/embeddings/corpus";

    CliRun embed = CliRun.of("embed", "--model", model, "--input", "images:" + ROOT + "/corpus", "--output", output);
    assertEquals(ExitCodes.SUCCESS, embed.status(), embed.toString());
    assertTrue(embed.out().contains("read      25 images"), embed.toString());
    assertTrue(embed.out().contains("rejected  1"), embed.toString());
    List<Row> rows = spark.read().parquet(output).select("path", "label", "embedding").collectAsList();
    assertEquals(24, rows.size());
    for (Row row : rows) {
      String path = row.getString(0);
      assertTrue(path.startsWith(ROOT + "/corpus/"), path);
      assertEquals(path.split("/")[4], row.getString(1), "the folder names the class: " + path);
      assertEquals(8, row.getList(2).size());
    }
    Map<String, String> rejects = new TreeMap<>();
    for (Row row : spark.read().parquet(output + "_rejects").select("path", "reason").collectAsList()) {
      rejects.put(row.getString(0), row.getString(1));
    }
    assertEquals(Map.of(ROOT + "/corpus/1/cut.png", "corrupt"), rejects);
    assertEquals(List.of(), leftovers("embeddings/"));
  }

  /**
   * A model on S3 has no {@code .crc} files, so Hadoop's checksums cannot vouch for it: it loads
   * on the model's own checks, the SHA-256 of each file in its metadata.json, and a damaged copy
   * is refused (exit 3, naming the file): a truncated network, a network with one changed byte, a
   * truncated index.
   */
  @Test
  void aModelOnS3LoadsWithoutChecksumFilesAndADamagedOneIsRefused() throws IOException {
    List<String> keys = s3.keys(BUCKET, "models/base/");
    assertEquals(List.of("models/base/_MAGNET_OUTPUT", "models/base/index.bin", "models/base/metadata.json",
        "models/base/metrics.json", "models/base/network.zip"), keys.stream().filter(k -> !k.endsWith("/")).sorted().toList(),
        "the model's objects, and no .crc beside them");
    ModelArtifact loaded = HadoopModelDirectory.load(model, hadoop());
    assertEquals(List.of("0", "1", "2"), loaded.labelNames());

    assertRefused("truncated-network", "network.zip", bytes -> Arrays.copyOf(bytes, bytes.length / 2),
        "network.zip is corrupt: its SHA-256 is");
    assertRefused("changed-network", "network.zip", bytes -> {
      byte[] changed = bytes.clone();
      changed[changed.length / 3] ^= 0x5a; // inside the compressed parameters
      return changed;
    }, "network.zip is corrupt: its SHA-256 is");
    assertRefused("truncated-index", "index.bin", bytes -> Arrays.copyOf(bytes, bytes.length - 7),
        "index.bin is corrupt: its SHA-256 is");
  }

  private interface Damage {
    byte[] apply(byte[] bytes);
  }

  private static void assertRefused(String name, String file, Damage damage, String message) throws IOException {
    String copy = ROOT + "/damaged/" + name;
    FileUtil.copy(fs, new org.apache.hadoop.fs.Path(model), fs, new org.apache.hadoop.fs.Path(copy), false, hadoop());
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(copy, file);
    byte[] bytes;
    try (InputStream in = fs.open(target)) {
      bytes = in.readAllBytes();
    }
    try (OutputStream out = fs.create(target, true)) {
      out.write(damage.apply(bytes));
    }
    CliRun evaluate = CliRun.of("evaluate", "--model", copy, "--data", data);
    assertEquals(ExitCodes.BAD_INPUT, evaluate.status(), name + ": " + evaluate);
    String err = evaluate.err().strip();
    assertTrue(err.startsWith("magnet evaluate: ") && err.contains(copy) && err.contains(message),
        name + ": one line naming the file; " + evaluate);
  }

  /**
   * The endpoint enforces S3's conditional write, which publishing commits with: a second PUT of a
   * key with {@code If-None-Match: *} is refused with 412 Precondition Failed and the first object
   * stays. (Sent by the AWS SDK directly, so this holds of the endpoint whatever Magnet does; on an
   * endpoint that ignored the header the publishing tests below could pass by luck.)
   */
  @Test
  void theEndpointRefusesASecondPutIfNoneMatchOfAKey() {
    AmazonS3 client = s3.client();
    String key = "conditional/claim";
    client.putObject(putIfAbsent(key, "first"));
    AmazonS3Exception e = assertThrows(AmazonS3Exception.class, () -> client.putObject(putIfAbsent(key, "second")));
    assertEquals(412, e.getStatusCode(), e.toString());
    assertEquals("first", client.getObjectAsString(BUCKET, key));
  }

  private static PutObjectRequest putIfAbsent(String key, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    ObjectMetadata metadata = new ObjectMetadata();
    metadata.setContentLength(bytes.length);
    PutObjectRequest request = new PutObjectRequest(BUCKET, key, new ByteArrayInputStream(bytes), metadata);
    request.putCustomRequestHeader("If-None-Match", "*");
    return request;
  }

  /**
   * Two {@code train --publish-to s3a://…} runs at once (the real command, in two threads of this
   * JVM on its Spark session): two distinct versions, each whole (model, metrics, record, and the
   * {@code _COMPLETE} object that ends its copy) with its own run's record, {@code LATEST} on v2 (no
   * gate: the second commit is the latest), nothing left of staging or checkpoints, no {@code .crc}.
   * The published model loads on its own digests, and a damaged version is refused (exit 3).
   */
  @Test
  void twoConcurrentPublishersToS3GetDistinctWholeVersionsAndLatestEndsOnTheSecond() throws Exception {
    String published = ROOT + "/published";
    List<Callable<CliRun>> trainings = new ArrayList<>();
    for (String run : List.of("day-1", "day-2")) {
      trainings.add(() -> CliRun.of(args("train", "--data", data, "--epochs", "1", "--publish-to", published, "--run-id",
          run)));
    }
    List<CliRun> runs = AtOnce.call(trainings);
    for (CliRun run : runs) {
      assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    }
    PublishDirectory dir = new PublishDirectory(published, hadoop(), message -> {});
    assertEquals(List.of(1, 2), dir.versions(), runs.toString());
    Publication day1 = dir.findRun("day-1").orElseThrow();
    Publication day2 = dir.findRun("day-2").orElseThrow();
    assertEquals(Set.of(1, 2), Set.of(day1.version(), day2.version()));
    Publication first = day1.version() == 1 ? day1 : day2;
    Publication second = day1.version() == 1 ? day2 : day1;
    assertTrue(first.promoted() && second.promoted(), runs.toString());
    assertEquals(null, first.previous());
    assertEquals("v1", second.previous(), "the second commit saw the first");
    assertEquals(published + "/v2", PublishDirectory.resolve(published + "/latest", hadoop()));
    assertEquals(published + "/v2", PublishDirectory.resolve(published, hadoop()));
    assertEquals(second, dir.latest().orElseThrow());

    List<String> keys = s3.keys(BUCKET, "published/");
    for (String version : List.of("v1", "v2")) {
      List<String> files = keys.stream().filter(k -> k.startsWith("published/" + version + "/"))
          .map(k -> k.substring(("published/" + version + "/").length())).filter(k -> !k.isEmpty()).sorted().toList();
      assertEquals(List.of(PublishDirectory.COMPLETE, "_MAGNET_OUTPUT", "index.bin", "metadata.json",
          MetricsJson.FILE_NAME, "network.zip", PublishDirectory.METADATA), files, version + ": " + keys);
    }
    assertEquals(List.of(), keys.stream().filter(k -> k.endsWith(".crc") || k.contains(".staging-")
        || k.matches(".*/\\.runs/.+") || k.contains(".tmp-")).toList(), "no checksum, staging or checkpoint is left");

    ModelArtifact latest = HadoopModelDirectory.load(PublishDirectory.resolve(published + "/latest", hadoop()),
        hadoop());
    assertEquals(List.of("0", "1", "2"), latest.labelNames());
    CliRun evaluate = CliRun.of("evaluate", "--model", published + "/v2", "--data", data);
    assertEquals(ExitCodes.SUCCESS, evaluate.status(), evaluate.toString());
    org.apache.hadoop.fs.Path network = new org.apache.hadoop.fs.Path(published + "/v1/network.zip");
    byte[] bytes;
    try (InputStream in = fs.open(network)) {
      bytes = in.readAllBytes();
    }
    try (OutputStream out = fs.create(network, true)) {
      out.write(Arrays.copyOf(bytes, bytes.length / 2));
    }
    CliRun damaged = CliRun.of("evaluate", "--model", published + "/v1", "--data", data);
    assertEquals(ExitCodes.BAD_INPUT, damaged.status(), damaged.toString());
    assertTrue(damaged.err().contains(published + "/v1") && damaged.err().contains("network.zip is corrupt: its"
        + " SHA-256 is"), damaged.toString());
  }

  /**
   * A publisher that fails after claiming v1 and copying part of it (S3A refuses one PUT of the
   * copy, as if the process died there: nothing after it runs): readers see no version, since
   * {@code LATEST} is not written; the next run of another id finishes the copy at its begin,
   * saying so, and points {@code LATEST} at v1; the rerun of the failed run id finds its version
   * and has nothing to train.
   */
  @Test
  void aPublishFailingBetweenItsClaimAndTheEndOfItsCopyIsFinishedByTheNextBegin() throws IOException {
    String published = ROOT + "/interrupted";
    Configuration failing = new Configuration(hadoop());
    failing.set("fs.s3a.impl", FailingS3A.class.getName());
    failing.setBoolean("fs.s3a.impl.disable.cache", true);
    failing.set(FailingS3A.FAIL_PUT, ".*/interrupted/v1/b\\.bin");
    List<String> messages = new ArrayList<>();
    Attempt attempt = new PublishDirectory(published, failing, messages::add).begin("day-1", "held-out", "knn1_accuracy",
        Gate.always());
    for (String file : List.of("a.bin", "b.bin", "c/d.bin")) {
      try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(attempt.stagingPath() + "/" + file), false)) {
        out.write(("day-1 " + file).getBytes(StandardCharsets.UTF_8));
      }
    }
    IOException e = assertThrows(IOException.class, () -> attempt.publish(Map.of("knn1_accuracy", 0.9)));
    assertTrue(e.getMessage().contains("injected failure"), e.toString());
    List<String> keys = s3.keys(BUCKET, "interrupted/");
    assertTrue(keys.contains("interrupted/v1/" + PublishDirectory.METADATA), "v1 is claimed: " + keys);
    assertTrue(keys.contains("interrupted/v1/a.bin"), "and partly copied: " + keys);
    assertFalse(keys.contains("interrupted/v1/b.bin") || keys.contains("interrupted/v1/" + PublishDirectory.COMPLETE),
        keys.toString());
    assertFalse(keys.contains("interrupted/" + PublishDirectory.LATEST), keys.toString());
    FileNotFoundException unresolved = assertThrows(FileNotFoundException.class,
        () -> PublishDirectory.resolve(published, hadoop()));
    assertTrue(unresolved.getMessage().endsWith("has no LATEST (no version passed its gate yet)"), unresolved.toString());

    Attempt next = new PublishDirectory(published, hadoop(), messages::add).begin("day-2", "held-out", "knn1_accuracy",
        Gate.always());
    assertTrue(next.finished().isEmpty());
    assertTrue(messages.stream().anyMatch(m -> m.equals(published + "/v1 (run day-1) was claimed but not copied whole"
        + " (its publisher died, or is copying it now); finishing its copy")), messages.toString());
    assertEquals(published + "/v1", PublishDirectory.resolve(published + "/latest", hadoop()));
    keys = s3.keys(BUCKET, "interrupted/");
    assertEquals(List.of("interrupted/LATEST", "interrupted/v1/" + PublishDirectory.COMPLETE, "interrupted/v1/a.bin",
        "interrupted/v1/b.bin", "interrupted/v1/c/d.bin", "interrupted/v1/" + PublishDirectory.METADATA),
        keys.stream().filter(k -> !k.endsWith("/")).sorted().toList(), "v1 whole, its staging deleted");
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(published + "/v1/c/d.bin"))) {
      assertEquals("day-1 c/d.bin", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    Attempt rerun = new PublishDirectory(published, hadoop(), messages::add).begin("day-1", "held-out", "knn1_accuracy",
        Gate.always());
    assertEquals(1, rerun.finished().orElseThrow().publication().version(), "the rerun has nothing to train");
  }

  /**
   * Two publishers that both list the versions before either commits (each listing answers 200 ms
   * late), so both choose v1 and both send its claim: S3 takes one conditional PUT and refuses the
   * other with 412, whose publisher lists again and commits v2, its record saying it came after v1.
   * Without the refusal both would write v1. Through {@link PublishDirectory} in two threads (each
   * with its own S3A instance), two rounds.
   */
  @Test
  void publishersThatChooseTheSameVersionAreArbitratedByTheConditionalPut() throws Exception {
    Configuration slow = new Configuration(hadoop());
    slow.set("fs.s3a.impl", FailingS3A.class.getName());
    slow.setBoolean("fs.s3a.impl.disable.cache", true);
    slow.setInt(FailingS3A.SLOW_LIST_MILLIS, 200);
    for (int round = 0; round < 2; round++) {
      String published = ROOT + "/raced-" + round;
      List<Callable<PublishDirectory.Published>> attempts = new ArrayList<>();
      for (String run : List.of("left", "right")) {
        Attempt attempt = new PublishDirectory(published, slow, message -> {}).begin(run, "held-out", "knn1_accuracy",
            Gate.always());
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(attempt.stagingPath() + "/model.bin"))) {
          out.write(run.getBytes(StandardCharsets.UTF_8));
        }
        attempts.add(() -> attempt.publish(Map.of("knn1_accuracy", 0.9)));
      }
      List<PublishDirectory.Published> results = AtOnce.call(attempts);
      Publication a = results.get(0).publication();
      Publication b = results.get(1).publication();
      assertEquals(Set.of(1, 2), Set.of(a.version(), b.version()), a + " " + b);
      Publication second = a.version() == 2 ? a : b;
      assertEquals("v1", second.previous(), "the loser of v1 listed again: " + second);
      for (Publication p : List.of(a, b)) {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(published + "/" + p.name() + "/model.bin"))) {
          assertEquals(p.runId(), new String(in.readAllBytes(), StandardCharsets.UTF_8), p.name());
        }
        assertEquals(p, new PublishDirectory(published, hadoop(), message -> {}).findRun(p.runId()).orElseThrow());
      }
      assertEquals(published + "/v2", PublishDirectory.resolve(published, hadoop()));
    }
  }

  /**
   * S3A with faults, set by Hadoop settings: the PUT of the files whose path matches
   * {@value #FAIL_PUT} (a regular expression) fails before anything of it is sent, and each
   * listing answers {@value #SLOW_LIST_MILLIS} milliseconds late.
   */
  public static final class FailingS3A extends S3AFileSystem {
    static final String FAIL_PUT = "magnet.it.s3.fail-put";
    static final String SLOW_LIST_MILLIS = "magnet.it.s3.slow-list-ms";

    @Override
    public FileStatus[] listStatus(org.apache.hadoop.fs.Path f) throws IOException {
      FileStatus[] listed = super.listStatus(f);
      try {
        Thread.sleep(getConf().getInt(SLOW_LIST_MILLIS, 0));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted listing " + f);
      }
      return listed;
    }

    @Override
    public FSDataOutputStream create(org.apache.hadoop.fs.Path f, FsPermission permission, boolean overwrite,
        int bufferSize, short replication, long blockSize, Progressable progress) throws IOException {
      String fail = getConf().get(FAIL_PUT);
      if (fail != null && f.toString().matches(fail)) {
        throw new IOException("injected failure: PUT " + f);
      }
      return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }
  }

  /**
   * {@code ./spark-submit evaluate} in embedded mode (its own JVM, the embedded class path) with
   * the model and data on S3 and S3A configured by {@code --conf spark.hadoop.*}: the S3
   * connector is on that class path ({@code hadoop-aws} is 'provided' like Spark's Hadoop).
   */
  @Test
  void theEmbeddedSparkSubmitReadsS3() throws IOException, InterruptedException {
    String json = ROOT + "/evaluations/embedded.json";
    List<String> command = new ArrayList<>(List.of(SparkHome.REPOSITORY.resolve("spark-submit").toString(),
        "evaluate", "--master", "local[2]"));
    command.addAll(s3.sparkConfArguments());
    command.addAll(List.of("--model", model, "--data", data, "--json", json));
    ProcessBuilder builder = new ProcessBuilder(command).directory(SparkHome.REPOSITORY.toFile());
    builder.environment().remove("SPARK_HOME");
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("MAGNET_NO_BUILD", "1");
    builder.environment().put("MAGNET_JAVA_OPTS", "-Xmx1g");
    Path log = tmp.resolve("embedded-evaluate.log");
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = process.waitFor(5, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly().waitFor();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(finished, "./spark-submit evaluate did not finish within 5 minutes:\n" + output);
    assertEquals(ExitCodes.SUCCESS, process.exitValue(), output);
    Map<String, Double> metrics = MetricsJson.read(json, hadoop()).summary();
    assertTrue(metrics.get("cluster_accuracy") > 0.6, metrics.toString());
    assertFalse(output.contains("ClassNotFoundException"), output);
  }
}
