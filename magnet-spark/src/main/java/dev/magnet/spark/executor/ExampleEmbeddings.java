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
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A data set's examples embedded on the executors (docs/design.md, "One epoch, as data flows",
 * step 2), with the one batch-embedding routine ({@link BatchEmbedder}): the network is broadcast
 * once ({@link ExecutorModel}), each executor JVM restores it once, and each partition is embedded
 * in batches of {@link NetworkFactory#DEFAULT_EMBED_BATCH}. {@link #collect} is the one routine
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

  /** The embeddings of {@code examples} of shape {@code shape}; the caller persists and unpersists the result. */
  public static JavaRDD<EmbeddedExample> embed(JavaSparkContext spark, JavaRDD<Example> examples, InputShape shape,
      MultiLayerNetwork network) {
    int tasks = Math.max(1, Math.min(examples.getNumPartitions(), spark.defaultParallelism()));
    Broadcast<ExecutorModel> model = spark.broadcast(ExecutorModel.embedding(
        new NetworkSnapshot(network, NativeThreads.perTask(spark, tasks)), shape));
    int size = Math.toIntExact(shape.size());
    return examples.mapPartitions(partition -> embedPartition(model.value(), TaskFaults.check(partition), size));
  }

  private static Iterator<EmbeddedExample> embedPartition(ExecutorModel model, Iterator<Example> partition, int size) {
    List<EmbeddedExample> out = new ArrayList<>();
    try (BatchEmbedder<Example> embedder = BatchEmbedder.direct(model.local(), partition, features(size),
        NetworkFactory.DEFAULT_EMBED_BATCH)) {
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
    List<EmbeddedExample> rows = embed(spark, examples, shape, network).collect();
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
