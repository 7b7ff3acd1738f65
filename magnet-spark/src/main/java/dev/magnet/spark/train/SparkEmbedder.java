package dev.magnet.spark.train;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.data.EmbeddedExample;
import dev.magnet.spark.data.Example;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Embeds examples on the executors: the network is broadcast once, rebuilt once per partition,
 * and applied to batches of decoded examples (docs/design.md, "One epoch, as data flows", step 2).
 */
public final class SparkEmbedder {
  private SparkEmbedder() {}

  /** The embeddings of {@code examples}; the caller persists and unpersists the result. */
  public static JavaRDD<EmbeddedExample> embed(JavaSparkContext spark, JavaRDD<Example> examples, MultiLayerNetwork network) {
    int tasks = Math.max(1, Math.min(examples.getNumPartitions(), spark.defaultParallelism()));
    Broadcast<NetworkSnapshot> snapshot = spark.broadcast(new NetworkSnapshot(network, NativeThreads.perTask(spark, tasks)));
    return examples.mapPartitions(partition -> embedPartition(snapshot.value(), TaskFaults.check(partition)));
  }

  private static Iterator<EmbeddedExample> embedPartition(NetworkSnapshot snapshot, Iterator<Example> partition) {
    if (!partition.hasNext()) {
      return java.util.Collections.emptyIterator();
    }
    MultiLayerNetwork network = snapshot.restore();
    List<EmbeddedExample> out = new ArrayList<>();
    List<Example> batch = new ArrayList<>(NetworkFactory.DEFAULT_EMBED_BATCH);
    while (partition.hasNext()) {
      batch.add(partition.next());
      if (batch.size() == NetworkFactory.DEFAULT_EMBED_BATCH || !partition.hasNext()) {
        // One copy of the batch's embeddings to the heap, not one row view and copy per example.
        INDArray features = features(batch);
        INDArray embedded = NetworkFactory.embed(network, features, NetworkFactory.DEFAULT_EMBED_BATCH);
        float[][] embeddings = Matrices.toFloatRows(embedded);
        NetworkFactory.close(features, embedded);
        for (int i = 0; i < batch.size(); i++) {
          Example e = batch.get(i);
          out.add(new EmbeddedExample(e.id(), e.label(), e.fineLabel(), embeddings[i]));
        }
        batch.clear();
      }
    }
    return out.iterator();
  }

  /** The decoded features of a batch as a [rows, values] matrix. */
  static INDArray features(List<Example> batch) {
    int width = batch.get(0).size();
    float[] flat = new float[batch.size() * width];
    for (int i = 0; i < batch.size(); i++) {
      Example e = batch.get(i);
      if (e.size() != width) {
        throw new IllegalArgumentException("examples differ in feature count: " + e.size() + "!=" + width + "; id=" + e.id());
      }
      e.decodeInto(flat, i * width);
    }
    return Matrices.fromFloats(flat, batch.size(), width);
  }
}
