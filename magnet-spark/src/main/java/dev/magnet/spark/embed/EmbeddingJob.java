package dev.magnet.spark.embed;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.io.RejectsTable;
import dev.magnet.spark.io.StagedOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The offline embedding job: inputs (image files, or examples of a loaded data set) are embedded
 * on the executors with the model set up once per executor JVM, classified by the paper's cluster
 * rule, and written as two Parquet tables in one pass: the embeddings and the rejects (files that
 * could not be decoded, with the reason).
 *
 * <p>Image files are listed once on the driver ({@link ImageFiles}: path, size and modification
 * time, the only per-file state there) and cut into splits by bytes and file count; each task reads
 * and decodes its files on the executor's decode pool, ahead of the network
 * ({@link dev.magnet.spark.executor.BatchEmbedder}), and writes both tables' part files as results
 * come ({@link PartitionEmbedder}). Nothing is cached and nothing is read twice: the counts of the
 * summary come back with each task's result, exactly once per partition. The driver then commits
 * the part files of those results (renames them from their attempt's hidden name), and both tables,
 * complete, are moved into place ({@link StagedOutput}); a job that fails or is killed publishes
 * nothing and the previous tables stay as they were.
 *
 * <p>An incremental run ({@link Incremental}) embeds only the files whose path, size and
 * modification time are in neither existing table, and publishes each table as the earlier rows
 * (less those of files embedded again) plus the new ones, staged and moved into place the same way.
 */
public final class EmbeddingJob {
  /** The embeddings table's columns. */
  public static final StructType EMBEDDINGS_SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("path", DataTypes.StringType, true)
      .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("prediction", DataTypes.StringType, false)
      .add("prediction_index", DataTypes.IntegerType, false)
      .add("probability", DataTypes.DoubleType, false)
      .add("cluster", DataTypes.IntegerType, false)
      .add("label", DataTypes.StringType, true)
      .add("model", DataTypes.StringType, false)
      .add("file_size", DataTypes.LongType, true)
      .add("file_modified", DataTypes.TimestampType, true);
  /** The rejects table's columns: {@link RejectsTable}'s. */
  public static final StructType REJECTS_SCHEMA = RejectsTable.SCHEMA;
  /** The accumulator counting the items read, by name (Spark's UI shows it). */
  static final String ITEMS_ACCUMULATOR = "magnet.embed.items";
  /** The name of the embedding RDD in Spark's UI. */
  static final String RDD_NAME = "magnet embed";
  /** Splits per core at least: the tasks balance over the cores and the progress lines come often. */
  static final int SPLITS_PER_CORE = 4;
  /** Splits at least, whatever the cores: a progress line per tenth needs ten. */
  static final int MIN_SPLITS = 20;
  /** Files per split at least: one forward pass of the default batch. */
  static final int MIN_SPLIT_FILES = 256;

  private EmbeddingJob() {}

  /**
   * The image files under {@code root} (see {@link ImageFiles}).
   *
   * @throws java.io.FileNotFoundException naming a missing path
   * @throws IllegalArgumentException when no file is there
   */
  public static ImageFiles listImages(SparkSession spark, String root) throws IOException {
    ImageFiles files = ImageFiles.list(root, spark.sparkContext().hadoopConfiguration());
    if (files.size() == 0) {
      throw new IllegalArgumentException("no files to embed under " + root);
    }
    return files;
  }

  /**
   * The items of the listed files, ids from {@code firstId}: one partition per split. A file's folder is
   * the first path component below the root ({@code root/<class>/...}); it is its label when it is
   * one of {@code labelNames}.
   */
  public static JavaRDD<EmbedItem> images(SparkSession spark, ImageFiles files, List<String> labelNames,
      long firstId) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int minSplits = Math.max(1, Math.min(Math.max(MIN_SPLITS, SPLITS_PER_CORE * jsc.defaultParallelism()),
        files.size() / MIN_SPLIT_FILES));
    List<ImageFiles.Split> splits = files.splits(minSplits, firstId);
    Set<String> known = new HashSet<>(labelNames);
    return jsc.parallelize(splits, Math.max(1, splits.size())).flatMap(split -> items(split, known));
  }

  private static Iterator<EmbedItem> items(ImageFiles.Split split, Set<String> known) {
    return new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < split.size();
      }

      @Override
      public EmbedItem next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String folder = split.folder(i);
        EmbedItem item = EmbedItem.image(split.id(i), split.path(i), folder,
            folder != null && known.contains(folder) ? folder : null, split.fileSize(i), split.modified(i));
        i++;
        return item;
      }
    };
  }

  /** The examples of a data set, labelled with its class names. */
  public static JavaRDD<EmbedItem> examples(SparkDataset data) {
    ArrayList<String> names = new ArrayList<>(data.labelNames());
    return data.examples().map(e -> EmbedItem.example(e, e.label() >= 0 ? names.get(e.label()) : null));
  }

  /**
   * Where the job writes, and what it reports.
   *
   * @param output the embeddings table
   * @param rejects the rejects table
   * @param batchSize examples per forward pass
   * @param unit what the inputs are, for progress lines ("images", "examples")
   * @param progress receives the progress lines
   */
  public record Settings(String output, String rejects, int batchSize, String unit, Consumer<String> progress) {
    public Settings {
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(rejects, "rejects");
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be positive; batchSize=" + batchSize);
      }
      Objects.requireNonNull(unit, "unit");
      Objects.requireNonNull(progress, "progress");
    }
  }

  /**
   * Embeds the items and writes both tables; on failure neither table is published and what was
   * at their paths stays.
   *
   * @param total the number of items when known (for the progress lines' ETA), else -1
   * @param modelLocation the model's qualified location, written in the {@code model} column
   * @param incremental the earlier tables to carry over, or null to replace them
   */
  public static EmbedSummary run(SparkSession spark, JavaRDD<EmbedItem> items, long total, ModelArtifact artifact,
      String modelLocation, Settings settings, Incremental incremental) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = jsc.hadoopConfiguration();
    EmbeddingModel model = EmbeddingModel.of(artifact);
    StagedOutput output = StagedOutput.of(settings.output(), conf);
    StagedOutput rejects = StagedOutput.of(settings.rejects(), conf);
    Broadcast<EmbeddingModel> broadcast = jsc.broadcast(model);
    Broadcast<SerializableConfiguration> hadoop = jsc.broadcast(new SerializableConfiguration(conf));
    StructType embeddingsSchema = embeddingsSchema(model, artifact, modelLocation);
    ParquetParts embeddingParts = ParquetParts.prepare(spark, embeddingsSchema);
    ParquetParts rejectParts = ParquetParts.prepare(spark, REJECTS_SCHEMA);
    LongAccumulator read = jsc.sc().longAccumulator(ITEMS_ACCUMULATOR);
    FileSystem fs = new Path(output.stagingPath()).getFileSystem(conf);
    FileSystem rejectsFs = new Path(rejects.stagingPath()).getFileSystem(conf);
    PartitionEmbedder task = new PartitionEmbedder(broadcast, hadoop, embeddingParts, rejectParts,
        output.stagingPath(), rejects.stagingPath(), modelLocation, settings.batchSize(), read);
    JavaRDD<PartitionEmbedder.Outcome> outcomes = items.mapPartitions(task::run).setName(RDD_NAME);
    PartitionProgress progress = new PartitionProgress(outcomes.id(), read.id(), outcomes.getNumPartitions(), total,
        settings.unit(), settings.progress());
    jsc.sc().addSparkListener(progress);
    long start = System.nanoTime();
    long cpuStart = processCpuNanos();
    try {
      fs.mkdirs(new Path(output.stagingPath()));
      rejectsFs.mkdirs(new Path(rejects.stagingPath()));
      List<PartitionEmbedder.Outcome> results = outcomes.collect();
      progress.finish(read.value());
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
      String run = Long.toHexString(System.currentTimeMillis());
      commit(fs, output.stagingPath(), results.stream().map(PartitionEmbedder.Outcome::embeddingsFile).toList(), run,
          embeddingParts);
      commit(rejectsFs, rejects.stagingPath(), results.stream().map(PartitionEmbedder.Outcome::rejectsFile).toList(),
          run, rejectParts);
      long embedded = results.stream().mapToLong(PartitionEmbedder.Outcome::embedded).sum();
      Map<String, Long> byReason = PartitionEmbedder.merge(
          results.stream().map(PartitionEmbedder.Outcome::rejectedByReason).toList());
      Map<String, Long> unknown = PartitionEmbedder.merge(
          results.stream().map(PartitionEmbedder.Outcome::unknownFolders).toList());
      long rejected = byReason.values().stream().mapToLong(Long::longValue).sum();
      long carried = 0;
      if (incremental != null) {
        carried = incremental.carryOver(spark, output.stagingPath(), rejects.stagingPath());
      }
      output.publish();
      rejects.publish();
      return new EmbedSummary(embedded + rejected, embedded, byReason, unknown, output.target(), rejects.target(),
          seconds, cpuSeconds, incremental == null ? 0 : incremental.skipped(), carried);
    } finally {
      progress.stop();
      jsc.sc().removeSparkListener(progress);
      output.discard();
      rejects.discard();
      broadcast.destroy();
      hadoop.destroy();
      embeddingParts.destroy();
      rejectParts.destroy();
    }
  }

  /**
   * Commits a table's part files: the files the succeeded attempts reported are renamed from
   * their hidden attempt names to {@code part-<partition>-<run>}, anything else an attempt left
   * (failed or duplicate attempts) is deleted, an empty table gets one empty file with the schema,
   * and {@code _SUCCESS} marks it complete, as Spark's committer does.
   */
  private static void commit(FileSystem fs, String dir, List<String> files, String run, ParquetParts parts)
      throws IOException {
    Path root = new Path(dir);
    Set<String> winners = new HashSet<>();
    int written = 0;
    for (String file : files) {
      if (file == null) {
        continue;
      }
      winners.add(file);
      String part = "part-" + file.substring(PartitionEmbedder.ATTEMPT_PREFIX.length(), file.lastIndexOf('-'))
          + "-" + run + parts.extension();
      if (!fs.rename(new Path(root, file), new Path(root, part))) {
        throw new IOException("cannot rename " + new Path(root, file) + " to " + part);
      }
      written++;
    }
    for (FileStatus status : fs.listStatus(root)) {
      String name = status.getPath().getName();
      if (name.startsWith(PartitionEmbedder.ATTEMPT_PREFIX) && !winners.contains(name)) {
        fs.delete(status.getPath(), true);
      }
    }
    if (written == 0) {
      parts.writeEmpty(new Path(root, "part-00000-" + run + parts.extension()).toString());
    }
    fs.create(new Path(root, "_SUCCESS"), true).close();
  }

  /** The CPU time of this JVM so far, or 0 where the JVM does not tell. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
  }

  /** The embeddings table's schema, with the model's provenance in the {@code embedding} column's metadata. */
  private static StructType embeddingsSchema(EmbeddingModel model, ModelArtifact artifact, String modelLocation) {
    Metadata provenance = new MetadataBuilder()
        .putString("magnet.model", modelLocation)
        .putString("magnet.model.trainedAt", artifact.provenance().trainedAt())
        .putString("magnet.model.magnetVersion", artifact.provenance().magnetVersion())
        .putStringArray("magnet.labelNames", model.labelNames().toArray(new String[0]))
        .putDouble("magnet.sigma2", artifact.index().sigma2())
        .build();
    StructType schema = new StructType();
    for (var field : EMBEDDINGS_SCHEMA.fields()) {
      schema = schema.add(field.name(), field.dataType(), field.nullable(),
          field.name().equals("embedding") ? provenance : field.metadata());
    }
    return schema;
  }
}
