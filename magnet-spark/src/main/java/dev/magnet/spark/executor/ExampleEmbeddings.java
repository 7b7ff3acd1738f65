package dev.magnet.spark.executor;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.data.EmbeddedExample;
import dev.magnet.spark.data.Example;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A data set's examples embedded on the executors (docs/design.md, "One epoch, as data flows",
 * step 2), with the one batch-embedding routine ({@link BatchEmbedder}): the network is broadcast
 * once ({@link ExecutorModel}), each executor JVM restores it once, and each partition is embedded
 * in batches of the network's own size ({@link NetworkFactory#embedBatchSize}). {@link #collect} is the one routine
 * that brings a data set's embeddings to the driver.
 */
public final class ExampleEmbeddings {
  private ExampleEmbeddings() {}

  /** An example's decoded features, which must be as many as the network takes. */
  private static BatchEmbedder.Features<Example> features(int size) {
    return (example, out, offset) -> {
      if (example.size() != size) {
        throw new IllegalArgumentException("examples must have the network's input size; size=" + example.size()
            + ", network=" + size + "; id=" + example.id());
      }
      example.decodeInto(out, offset);
      return true;
    };
  }

  /**
   * The embeddings of {@code examples} of shape {@code shape}, with the broadcast network they are
   * computed with. The caller may persist {@link Embedded#rdd}, and closes the result where its use
   * ends (in a finally): that unpersists the embeddings and destroys the broadcast, which Spark
   * would otherwise keep on the driver (and count in its storage) until its cleaner happens to
   * collect it.
   */
  public static Embedded embed(JavaSparkContext spark, JavaRDD<Example> examples, InputShape shape,
      MultiLayerNetwork network) {
    int tasks = Math.max(1, Math.min(examples.getNumPartitions(), spark.defaultParallelism()));
    Broadcast<ExecutorModel> model = spark.broadcast(ExecutorModel.embedding(
        new NetworkSnapshot(network, NativeThreads.perTask(spark, tasks)), shape));
    int size = Math.toIntExact(shape.size());
    return new Embedded(examples.mapPartitions(partition -> embedPartition(model.value(), TaskFaults.check(partition), size)),
        model);
  }

  /**
   * Embeddings computed on the executors ({@code rdd}) and the broadcast network that computes
   * them; usable until closed (a lost cached partition is recomputed with the broadcast).
   */
  public record Embedded(JavaRDD<EmbeddedExample> rdd, Broadcast<ExecutorModel> model) implements AutoCloseable {
    /** Persists the embeddings under {@code name} at {@code level}; this, for chaining. */
    public Embedded persist(String name, StorageLevel level) {
      rdd.setName(name).persist(level);
      return this;
    }

    /** Unpersists the embeddings and destroys the broadcast network. */
    @Override
    public void close() {
      rdd.unpersist(false);
      model.destroy(false);
    }
  }

  private static Iterator<EmbeddedExample> embedPartition(ExecutorModel model, Iterator<Example> partition, int size) {
    List<EmbeddedExample> out = new ArrayList<>();
    try (BatchEmbedder<Example> embedder = BatchEmbedder.direct(model.local(), partition, features(size))) {
      while (embedder.hasNext()) {
        BatchEmbedder.Batch<Example> batch = embedder.next();
        float[][] rows = batch.rows();
        for (int i = 0; i < batch.items().size(); i++) {
          Example e = batch.items().get(i);
          out.add(new EmbeddedExample(e.id(), e.label(), e.fineLabel(), rows[batch.row(i)]));
        }
      }
    }
    return out.iterator();
  }

  /**
   * Embeddings brought to the driver, in the order of the examples' partitions, with their labels.
   *
   * @param ids the examples' ids
   * @param embeddings [n, E]
   * @param fineLabels the fine labels, or null unless every example has one
   */
  public record Collected(long[] ids, INDArray embeddings, int[] labels, int[] fineLabels) {
    /** The bytes of its arrays: ids, embeddings, labels and fine labels. */
    public long bytes() {
      return (long) ids.length * Long.BYTES + embeddings.length() * embeddings.dataType().width()
          + (long) labels.length * Integer.BYTES + (fineLabels == null ? 0 : (long) fineLabels.length * Integer.BYTES);
    }

    /** The same rows in id order, the order a loaded data set numbers its examples in. */
    public Collected sortedById() {
      int[] order = IntStream.range(0, ids.length).boxed().sorted(Comparator.comparingLong(i -> ids[i]))
          .mapToInt(Integer::intValue).toArray();
      return new Collected(Arrays.stream(order).mapToLong(i -> ids[i]).toArray(),
          embeddings.getRows(order), Arrays.stream(order).map(i -> labels[i]).toArray(),
          fineLabels == null ? null : Arrays.stream(order).map(i -> fineLabels[i]).toArray());
    }
  }

  /**
   * Embeds {@code examples} on the executors and collects the embeddings (n · E floats; 15 MB for
   * 60,000 examples at E = 64) to the driver, in the order of the examples' partitions (which the
   * seeded K-means of a validation index depends on: the order is part of a run's reproducibility).
   */
  public static Collected collect(JavaSparkContext spark, JavaRDD<Example> examples, InputShape shape,
      MultiLayerNetwork network) {
    List<EmbeddedExample> rows;
    try (Embedded embedded = embed(spark, examples, shape, network)) {
      rows = embedded.rdd().collect();
    }
    long[] ids = new long[rows.size()];
    float[][] values = new float[rows.size()][];
    int[] labels = new int[rows.size()];
    int[] fine = new int[rows.size()];
    boolean allFine = true;
    for (int i = 0; i < rows.size(); i++) {
      ids[i] = rows.get(i).id();
      values[i] = rows.get(i).embedding();
      labels[i] = rows.get(i).label();
      fine[i] = rows.get(i).fineLabel();
      allFine &= fine[i] >= 0;
    }
    return new Collected(ids, Matrices.fromFloatRows(values), labels, allFine ? fine : null);
  }
}
