package dev.magnet.spark.experiment;

import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.params.MagnetParams;
import java.util.Objects;

/**
 * The hyper-parameters one loss trains with in an experiment: the experiment's own (its train
 * options), or a configuration that {@code experiment tune} chose and wrote to a file, which
 * {@code experiment --tuned FILE} reads.
 *
 * @param source the file it was read from; null for the experiment's own options
 * @param params the loss and its hyper-parameters (epochs and seed are the experiment's)
 * @param network the embedding width and learning rate
 */
public record TunedConfig(String source, MagnetParams params, NetworkChoice network) {
  public TunedConfig {
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(network, "network");
  }
}
