package dev.magnet.core.nn;

import dev.magnet.core.util.Stopwatch;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rough CPU throughput of {@code fmnist-cnn} (docs/benchmarks.md) on random 1x28x28 input:
 * training examples/s with the softmax head (10 classes, Adam 1e-3) on batches of M·D = 48,
 * and embedding images/s on batches of 256, each after a warm-up. Compare with the PyTorch peer
 * in the same sitting; the machine is shared and noisy.
 */
public final class NetworkBenchmark {
  /** M·D with the defaults M = 12 clusters x D = 4 examples. */
  static final int TRAIN_BATCH = 48;
  /** The embedding batch used by the training and embedding jobs. */
  static final int EMBED_BATCH = NetworkFactory.DEFAULT_EMBED_BATCH;
  /** Fashion-MNIST's number of classes. */
  static final int CLASSES = 10;
  /** Enough iterations for the JIT and oneDNN's primitive caches to settle. */
  static final int WARMUP_STEPS = 30;
  static final int TIMED_STEPS = 150;
  static final int EMBED_IMAGES = 25_600;

  private NetworkBenchmark() {}

  public static void main(String[] args) {
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST);
    MultiLayerNetwork net = NetworkFactory.build(spec, Head.softmax(CLASSES));
    DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, TRAIN_BATCH, 1, 28, 28),
        oneHot(TRAIN_BATCH));
    for (int i = 0; i < WARMUP_STEPS; i++) {
      net.fit(batch);
    }
    long start = System.nanoTime();
    for (int i = 0; i < TIMED_STEPS; i++) {
      net.fit(batch);
    }
    double trainPerS = TIMED_STEPS * TRAIN_BATCH / Stopwatch.secondsSince(start);
    System.out.printf("train examples/s: %.0f (fmnist-cnn, softmax head, batch %d, Adam, %s)%n",
        trainPerS, TRAIN_BATCH, spec.dataType());

    INDArray images = Nd4j.rand(DataType.FLOAT, EMBED_IMAGES, 1, 28, 28);
    NetworkFactory.embed(net, images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,
        EMBED_BATCH * 10)), EMBED_BATCH);
    start = System.nanoTime();
    NetworkFactory.embed(net, images, EMBED_BATCH);
    System.out.printf("embed images/s: %.0f (batch %d)%n", EMBED_IMAGES / Stopwatch.secondsSince(start),
        EMBED_BATCH);
  }

  private static INDArray oneHot(int rows) {
    INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, CLASSES);
    for (int i = 0; i < rows; i++) {
      labels.putScalar(i, i % CLASSES, 1);
    }
    return labels;
  }
}
