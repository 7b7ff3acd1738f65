package dev.magnet.spark.embed;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.io.StagedOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.PartitioningAwareFileIndex;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.collection.JavaConverters;

/**
 * The offline embedding job: inputs (image files read with Spark's {@code binaryFile} source, or
 * examples of a loaded data set) are embedded with a broadcast model in {@code mapPartitions},
 * in batches, classified by the paper's cluster rule, and written as two Parquet tables: the
 * embeddings and the rejects (files that could not be decoded, with the reason).
 *
 * <p>Images are decoded on the executors after the read, so only file bytes leave the file
 * system. The result RDD is cached (embeddings are small next to images) so that both tables and
 * the summary counts come from one pass over the inputs. Both tables are staged and moved into
 * place only when both are complete ({@link StagedOutput}).
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
      .add("model", DataTypes.StringType, false);
  /** The rejects table's columns. */
  public static final StructType REJECTS_SCHEMA = new StructType()
      .add("path", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, false);
  /** The accumulator counting the items read, by name (Spark's UI shows it). */
  static final String ITEMS_ACCUMULATOR = "magnet.embed.items";
  /** The name of the embedding RDD in Spark's UI. */
  static final String RDD_NAME = "magnet embed";

  private EmbeddingJob() {}

  /**
   * The image files under {@code root}, every file of every sub-folder ({@code binaryFile} with
   * {@code recursiveFileLookup}; names starting with '.' or '_' are skipped, as by every Spark
   * file source). A file's folder is the first path component below the root
   * ({@code root/<class>/...}); it is its label when it is one of {@code labelNames}.
   *
   * <p>Spark's file scans drop zero-length files without a trace; they are taken from the same
   * file listing and added as items without content, so that they are rejected and counted.
   *
   * @throws org.apache.spark.sql.AnalysisException (undeclared by Scala) naming a missing path
   * @throws IllegalArgumentException when no file is there
   */
  public static JavaRDD<EmbedItem> images(SparkSession spark, String root, List<String> labelNames) throws IOException {
    Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root);
    List<FileStatus> listed = listing(files);
    if (listed.isEmpty()) {
      throw new IllegalArgumentException("no files to embed under " + root);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path qualified = new Path(root).getFileSystem(conf).makeQualified(new Path(root));
    String rootPath = stripSlash(qualified.toUri().getPath());
    Set<String> known = new HashSet<>(labelNames);
    JavaRDD<EmbedItem> items = files.select("path", "content").toJavaRDD().zipWithUniqueId().map(t -> {
      String path = t._1().getString(0);
      String folder = folderOf(path, rootPath);
      return EmbedItem.image(t._2(), path, folder, folder != null && known.contains(folder) ? folder : null,
          (byte[]) t._1().get(1));
    });
    List<EmbedItem> empty = new ArrayList<>();
    for (FileStatus file : listed) {
      if (file.getLen() == 0) {
        String path = file.getPath().toString();
        String folder = folderOf(path, rootPath);
        // Negative ids cannot meet zipWithUniqueId's; rejected items never reach the embeddings table anyway.
        empty.add(EmbedItem.image(-1L - empty.size(), path, folder, known.contains(folder) ? folder : null, new byte[0]));
      }
    }
    if (empty.isEmpty()) {
      return items;
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return items.union(jsc.parallelize(empty, 1));
  }

  /** The files Spark listed for a file-source data frame (its cached listing, not a new one). */
  private static List<FileStatus> listing(Dataset<Row> files) {
    List<FileStatus> listed = new ArrayList<>();
    for (LogicalPlan leaf : JavaConverters.seqAsJavaList(files.queryExecution().analyzed().collectLeaves())) {
      if (leaf instanceof LogicalRelation relation && relation.relation() instanceof HadoopFsRelation fs
          && fs.location() instanceof PartitioningAwareFileIndex index) {
        listed.addAll(JavaConverters.seqAsJavaList(index.allFiles()));
      }
    }
    return listed;
  }

  /** The first path component of {@code path} below {@code rootPath}, or null for a file directly in it. */
  static String folderOf(String path, String rootPath) {
    String file = new Path(path).toUri().getPath();
    String prefix = rootPath + "/";
    if (!file.startsWith(prefix)) {
      return null;
    }
    int slash = file.indexOf('/', prefix.length());
    return slash < 0 ? null : file.substring(prefix.length(), slash);
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
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
   * @param modelLocation the model's qualified location, written in the {@code model} column
   */
  public static EmbedSummary run(SparkSession spark, JavaRDD<EmbedItem> items, ModelArtifact artifact,
      String modelLocation, Settings settings) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = jsc.hadoopConfiguration();
    EmbeddingModel model = EmbeddingModel.of(artifact);
    StagedOutput output = StagedOutput.of(settings.output(), conf);
    StagedOutput rejects = StagedOutput.of(settings.rejects(), conf);
    Broadcast<EmbeddingModel> broadcast = jsc.broadcast(model);
    LongAccumulator read = jsc.sc().longAccumulator(ITEMS_ACCUMULATOR);
    int batchSize = settings.batchSize();
    JavaRDD<EmbedRecord> records = items
        .mapPartitions(partition -> new PartitionEmbedder(broadcast.value(), partition, batchSize, read))
        .setName(RDD_NAME)
        .persist(StorageLevel.MEMORY_AND_DISK());
    PartitionProgress progress = new PartitionProgress(records.id(), read.id(), records.getNumPartitions(),
        settings.unit(), settings.progress());
    jsc.sc().addSparkListener(progress);
    long start = System.nanoTime();
    try {
      embeddingsTable(spark, records, model, artifact, modelLocation).write().parquet(output.stagingPath());
      progress.finish(read.value());
      double seconds = (System.nanoTime() - start) / 1e9;
      rejectsTable(spark, records).write().parquet(rejects.stagingPath());
      Map<String, Long> counts = records.map(EmbeddingJob::countKey).countByValue();
      output.publish();
      rejects.publish();
      return summary(counts, output.target(), rejects.target(), seconds);
    } finally {
      progress.stop();
      jsc.sc().removeSparkListener(progress);
      output.discard();
      rejects.discard();
      records.unpersist(false);
      broadcast.destroy();
    }
  }

  /** The summary's key of a record: embedded (with its folder when that names no class) or rejected by reason. */
  private static String countKey(EmbedRecord r) {
    if (r.isRejected()) {
      return "rejected\t" + r.reason().spelling();
    }
    return r.folder() != null && r.label() == null ? "embedded\t" + r.folder() : "embedded";
  }

  private static EmbedSummary summary(Map<String, Long> counts, String output, String rejects, double seconds) {
    long embedded = 0;
    long rejected = 0;
    Map<String, Long> byReason = new TreeMap<>();
    Map<String, Long> unknownFolders = new TreeMap<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      String[] key = e.getKey().split("\t", 2);
      if (key[0].equals("rejected")) {
        rejected += e.getValue();
        byReason.put(key[1], e.getValue());
      } else {
        embedded += e.getValue();
        if (key.length == 2) {
          unknownFolders.put(key[1], e.getValue());
        }
      }
    }
    return new EmbedSummary(embedded + rejected, embedded, byReason, unknownFolders, output, rejects, seconds);
  }

  private static Dataset<Row> embeddingsTable(SparkSession spark, JavaRDD<EmbedRecord> records, EmbeddingModel model,
      ModelArtifact artifact, String modelLocation) {
    ArrayList<String> names = new ArrayList<>(model.labelNames());
    JavaRDD<Row> rows = records.filter(r -> !r.isRejected()).map(r -> RowFactory.create(r.id(), r.path(),
        r.embedding(), names.get(r.prediction()), r.prediction(), r.probability(), r.cluster(), r.label(),
        modelLocation));
    Metadata provenance = new MetadataBuilder()
        .putString("magnet.model", modelLocation)
        .putString("magnet.model.trainedAt", artifact.provenance().trainedAt())
        .putString("magnet.model.magnetVersion", artifact.provenance().magnetVersion())
        .putStringArray("magnet.labelNames", names.toArray(new String[0]))
        .putDouble("magnet.sigma2", artifact.index().sigma2())
        .build();
    return spark.createDataFrame(rows, EMBEDDINGS_SCHEMA)
        .withMetadata("embedding", provenance);
  }

  private static Dataset<Row> rejectsTable(SparkSession spark, JavaRDD<EmbedRecord> records) {
    JavaRDD<Row> rows = records.filter(EmbedRecord::isRejected)
        .map(r -> RowFactory.create(r.path(), r.reason().spelling(), r.detail()));
    return spark.createDataFrame(rows, REJECTS_SCHEMA);
  }
}
