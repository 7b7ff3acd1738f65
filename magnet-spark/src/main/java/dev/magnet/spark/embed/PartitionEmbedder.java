package dev.magnet.spark.embed;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.image.DecodeResult;
import dev.magnet.spark.data.image.DecodedImage;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.executor.BatchEmbedder;
import dev.magnet.spark.executor.ExecutorModel;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * One task of the embedding job: embeds its partition's inputs with {@link BatchEmbedder} (image
 * files read and decoded on the executor's decode pool, ahead of the network) and writes each
 * result as it comes, embedded rows to the embeddings table's part file and rejected ones to the
 * rejects table's, in one pass. It returns one {@link Outcome}: the files it wrote and its exact
 * counts, which the driver receives once per partition (from the attempt that succeeded).
 */
final class PartitionEmbedder implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The prefix of part files while their attempt is not committed: readers skip names starting with '_'. */
  static final String ATTEMPT_PREFIX = "_attempt-";

  private final Broadcast<EmbeddingModel> model;
  private final Broadcast<SerializableConfiguration> hadoop;
  private final ParquetParts embeddings;
  private final ParquetParts rejects;
  private final String embeddingsDir;
  private final String rejectsDir;
  private final String modelLocation;
  private final int batchSize;
  private final LongAccumulator read;

  PartitionEmbedder(Broadcast<EmbeddingModel> model, Broadcast<SerializableConfiguration> hadoop,
      ParquetParts embeddings, ParquetParts rejects, String embeddingsDir, String rejectsDir, String modelLocation,
      int batchSize, LongAccumulator read) {
    this.model = model;
    this.hadoop = hadoop;
    this.embeddings = embeddings;
    this.rejects = rejects;
    this.embeddingsDir = embeddingsDir;
    this.rejectsDir = rejectsDir;
    this.modelLocation = modelLocation;
    this.batchSize = batchSize;
    this.read = read;
  }

  /**
   * What one task did: the part files it wrote (their attempt's names, null for none) and its
   * exact counts. A plain class: Kryo cannot set a record's final fields on Java 17.
   */
  static final class Outcome implements Serializable {
    private static final long serialVersionUID = 1L;
    private String embeddingsFile;
    private String rejectsFile;
    private long embedded;
    private HashMap<String, Long> rejectedByReason;
    private HashMap<String, Long> unknownFolders;

    /** For serialisers. */
    Outcome() {}

    Outcome(String embeddingsFile, String rejectsFile, long embedded, Map<String, Long> rejectedByReason,
        Map<String, Long> unknownFolders) {
      this.embeddingsFile = embeddingsFile;
      this.rejectsFile = rejectsFile;
      this.embedded = embedded;
      this.rejectedByReason = new HashMap<>(rejectedByReason);
      this.unknownFolders = new HashMap<>(unknownFolders);
    }

    /** The embeddings part file it wrote, or null. */
    String embeddingsFile() {
      return embeddingsFile;
    }

    /** The rejects part file it wrote, or null. */
    String rejectsFile() {
      return rejectsFile;
    }

    /** Rows written to the embeddings table. */
    long embedded() {
      return embedded;
    }

    /** Rows written to the rejects table, by reason. */
    Map<String, Long> rejectedByReason() {
      return rejectedByReason;
    }

    /** Embedded images by class folder that names none of the model's classes. */
    Map<String, Long> unknownFolders() {
      return unknownFolders;
    }
  }

  /** An input with its decoded image (null for examples). */
  private record Prepared(EmbedItem item, DecodeResult decoded) {}

  /** Runs the task over its partition. */
  Iterator<Outcome> run(Iterator<EmbedItem> items) {
    TaskContext task = TaskContext.get();
    EmbeddingModel embedding = model.value();
    ExecutorModel.Local local = embedding.executor().local();
    InputShape shape = embedding.inputShape();
    int size = Math.toIntExact(shape.size());
    BatchEmbedder.Features<Prepared> features = (p, out, offset) -> {
      if (p.decoded() instanceof DecodedImage image) {
        image.decodeInto(out, offset);
        return true;
      }
      Example example = p.item().example();
      if (example == null) {
        return false;
      }
      if (example.size() != size) {
        throw new IllegalArgumentException("example size differs from the model's input: " + example.size() + "!="
            + size + "; id=" + example.id());
      }
      example.decodeInto(out, offset);
      return true;
    };
    ImagePreprocessing preprocessing = embedding.preprocessing();
    BatchEmbedder<Prepared> embedder = BatchEmbedder.pipelined(local, items, item -> prepare(item, preprocessing),
        features, batchSize);
    String attempt = String.format("%s%05d-%d", ATTEMPT_PREFIX, task.partitionId(), task.taskAttemptId());
    ParquetParts.Lazy embeddingsFile = new ParquetParts.Lazy(embeddings,
        embeddingsDir + "/" + attempt + embeddings.extension());
    ParquetParts.Lazy rejectsFile = new ParquetParts.Lazy(rejects, rejectsDir + "/" + attempt + rejects.extension());
    task.addTaskCompletionListener(context -> {
      embedder.close();
      // After a failure the files are incomplete; they keep their hidden names and the driver deletes them.
      embeddingsFile.close();
      rejectsFile.close();
    });
    List<String> names = embedding.labelNames().stream().map(String::toString).toList();
    UTF8String model = UTF8String.fromString(modelLocation);
    Map<String, Long> byReason = new TreeMap<>();
    Map<String, Long> unknown = new HashMap<>();
    while (embedder.hasNext()) {
      BatchEmbedder.Batch<Prepared> batch = embedder.next();
      float[][] rows = batch.rows();
      ClusterClassifier.Classified classified = batch.classified();
      for (int i = 0; i < batch.items().size(); i++) {
        Prepared p = batch.items().get(i);
        EmbedItem item = p.item();
        int row = batch.row(i);
        if (row >= 0) {
          int predicted = classified.predicted()[row];
          embeddingsFile.write(embeddingRow(item, rows[row], names.get(predicted), predicted,
              classified.probabilities()[row][predicted], classified.nearestCluster()[row], model));
          if (item.folder() != null && item.label() == null) {
            unknown.merge(item.folder(), 1L, Long::sum);
          }
        } else {
          DecodeResult.Rejected rejected = (DecodeResult.Rejected) p.decoded();
          rejectsFile.write(rejectRow(item, rejected));
          byReason.merge(rejected.reason().spelling(), 1L, Long::sum);
        }
      }
      read.add(batch.items().size());
    }
    embedder.close();
    long embedded = embeddingsFile.rows();
    String e = fileName(embeddingsFile.close());
    String r = fileName(rejectsFile.close());
    return Collections.singletonList(new Outcome(e, r, embedded, byReason, unknown)).iterator();
  }

  private static String fileName(String path) {
    return path == null ? null : path.substring(path.lastIndexOf('/') + 1);
  }

  /** Reads and decodes an image file (on a decode thread) as the model's training did; examples pass through. */
  private Prepared prepare(EmbedItem item, ImagePreprocessing preprocessing) {
    if (item.example() != null) {
      return new Prepared(item, null);
    }
    return new Prepared(item, ImageFiles.decode(item.path(), item.size(), hadoop.value().value(), preprocessing));
  }

  private static InternalRow embeddingRow(EmbedItem item, float[] embedding, String prediction, int predicted,
      double probability, int cluster, UTF8String model) {
    return new GenericInternalRow(new Object[] {item.id(), utf8(item.path()),
        UnsafeArrayData.fromPrimitiveArray(embedding), UTF8String.fromString(prediction), predicted, probability,
        cluster, utf8(item.label()), model, size(item), modified(item)});
  }

  private static InternalRow rejectRow(EmbedItem item, DecodeResult.Rejected rejected) {
    return new GenericInternalRow(new Object[] {utf8(item.path()), UTF8String.fromString(rejected.reason().spelling()),
        UTF8String.fromString(rejected.detail()), size(item), modified(item)});
  }

  private static UTF8String utf8(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }

  private static Long size(EmbedItem item) {
    return item.path() == null ? null : item.size();
  }

  /** The modification time as Spark's timestamps are held: microseconds since the epoch. */
  private static Long modified(EmbedItem item) {
    return item.path() == null ? null : item.modified() * 1000L;
  }

  /** The counts of many outcomes, merged. */
  static Map<String, Long> merge(List<Map<String, Long>> counts) {
    Map<String, Long> merged = new TreeMap<>();
    for (Map<String, Long> c : counts) {
      c.forEach((k, v) -> merged.merge(k, v, Long::sum));
    }
    return merged;
  }
}
