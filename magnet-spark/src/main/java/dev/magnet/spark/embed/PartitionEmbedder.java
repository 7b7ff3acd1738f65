package dev.magnet.spark.embed;

import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.FeatureEncoding;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Embeds one partition lazily, a batch at a time: items are pulled and decoded until a batch is
 * full, the batch goes through the network in one forward pass and the cluster rule classifies
 * it. Only one batch of decoded pixels is held at once, whatever the partition's size; undecodable
 * images come out as rejected records in their place.
 */
final class PartitionEmbedder implements Iterator<EmbedRecord> {
  private final EmbeddingModel model;
  private final Iterator<EmbedItem> items;
  private final int batchSize;
  private final LongAccumulator read;
  private final InputShape shape;
  private final int size;
  private final ArrayDeque<EmbedRecord> ready = new ArrayDeque<>();
  private MultiLayerNetwork network;
  private ClusterClassifier classifier;

  /**
   * @param read counts the items pulled, for progress reports
   */
  PartitionEmbedder(EmbeddingModel model, Iterator<EmbedItem> items, int batchSize, LongAccumulator read) {
    this.model = model;
    this.items = items;
    this.batchSize = batchSize;
    this.read = read;
    this.shape = model.inputShape();
    this.size = Math.toIntExact(shape.size());
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && items.hasNext()) {
      nextBatch();
    }
    if (network != null && !items.hasNext()) {
      model.returnNetwork(network);
      network = null;
    }
    return !ready.isEmpty();
  }

  @Override
  public EmbedRecord next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }

  private void nextBatch() {
    List<EmbedItem> batch = new ArrayList<>(batchSize);
    float[] features = new float[batchSize * size];
    while (batch.size() < batchSize && items.hasNext()) {
      EmbedItem item = items.next();
      read.add(1);
      Example example = item.example();
      if (example == null) {
        ImageDecoder.Result decoded = ImageDecoder.decode(item.content(), shape);
        if (decoded instanceof ImageDecoder.Rejected r) {
          ready.add(EmbedRecord.rejected(item, r.reason(), r.detail()));
          continue;
        }
        // The UINT8 decoding of training examples, so images are scaled exactly as IDX pixels.
        example = new Example(item.id(), -1, -1, FeatureEncoding.UINT8, ((ImageDecoder.Pixels) decoded).values());
      }
      assert example.size() == size : "example size " + example.size() + " != model input " + size;
      example.decodeInto(features, batch.size() * size);
      batch.add(item);
    }
    if (batch.isEmpty()) {
      return;
    }
    if (network == null) {
      network = model.takeNetwork();
    }
    if (classifier == null) {
      classifier = model.classifier();
    }
    int n = batch.size();
    INDArray x = Matrices.fromFloats(n == batchSize ? features : Arrays.copyOf(features, n * size), n, size);
    INDArray embeddings = NetworkFactory.embed(network, x, batchSize);
    double[][] proba = classifier.predictProba(embeddings);
    int[] nearest = classifier.nearestCluster(embeddings);
    float[][] rows = Matrices.toFloatRows(embeddings);
    NetworkFactory.close(x, embeddings);
    for (int i = 0; i < n; i++) {
      int predicted = argmax(proba[i]);
      ready.add(EmbedRecord.embedded(batch.get(i), rows[i], predicted, proba[i][predicted], nearest[i]));
    }
  }

  /** The most probable class; ties go to the lower class id, as in {@link ClusterClassifier#predict}. */
  static int argmax(double[] proba) {
    int best = 0;
    for (int c = 1; c < proba.length; c++) {
      if (proba[c] > proba[best]) {
        best = c;
      }
    }
    return best;
  }
}
