package dev.magnet.spark.executor;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network as it is broadcast to executors: its configuration as JSON and a copy of its
 * parameters. Executors rebuild a private network from it per partition, and first limit ND4J's
 * native threads to the task's share of the cores ({@link NativeThreads}).
 */
public final class NetworkSnapshot implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String configuration;
  private final INDArray parameters;
  private final int nativeThreads;

  /**
   * @param nativeThreads ND4J threads per task on the executors ({@link NativeThreads#perTask});
   *     0 leaves them as they are
   */
  public NetworkSnapshot(MultiLayerNetwork network, int nativeThreads) {
    if (nativeThreads < 0) {
      throw new IllegalArgumentException("nativeThreads must be >= 0 (0 = unchanged); nativeThreads=" + nativeThreads);
    }
    this.configuration = network.getLayerWiseConfigurations().toJson();
    this.parameters = network.params().dup();
    this.nativeThreads = nativeThreads;
  }

  /** The network's configuration. */
  MultiLayerConfiguration configuration() {
    return MultiLayerConfiguration.fromJson(configuration);
  }

  /** A fresh network with the snapshot's parameters (copied, so tasks never share buffers). */
  public MultiLayerNetwork restore() {
    return restore(true);
  }

  /**
   * A fresh network for inference only that reads the snapshot's own parameter buffer, not a copy:
   * networks that only run forward passes never write their parameters, so every such network
   * of a JVM can share one buffer ({@link ExecutorModel}).
   */
  MultiLayerNetwork restoreForInference() {
    return restore(false);
  }

  private MultiLayerNetwork restore(boolean copyParameters) {
    if (nativeThreads > 0) {
      NativeThreads.apply(nativeThreads);
    }
    MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configuration));
    network.init(parameters, copyParameters);
    return network;
  }
}
