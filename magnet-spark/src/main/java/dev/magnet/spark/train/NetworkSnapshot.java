package dev.magnet.spark.train;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network as it is broadcast to executors: its configuration as JSON and a copy of its
 * parameters. Executors rebuild a private network from it per partition.
 */
public final class NetworkSnapshot implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String configuration;
  private final INDArray parameters;

  public NetworkSnapshot(MultiLayerNetwork network) {
    this.configuration = network.getLayerWiseConfigurations().toJson();
    this.parameters = network.params().dup();
  }

  /** A fresh network with the snapshot's parameters (copied, so tasks never share buffers). */
  public MultiLayerNetwork restore() {
    MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configuration));
    network.init(parameters, true);
    return network;
  }
}
