package dev.magnet.spark.experiment;

import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One configuration of an experiment, trained once per seed ({@link #withSeed}).
 *
 * @param name its directory inside the experiment's, and its id in results.json
 * @param label its row's name in the table
 * @param params what it learns: the experiment's parameters with its own loss (or, in the
 *     ablation, its own value of one factor); the seed is the run's
 * @param network the network choices (embedding width, learning rate) of its loss: the
 *     experiment's, or a tuned configuration's
 * @param factors the ablated hyper-parameters' values, by name, for the table (empty outside the ablation)
 * @param startsFrom the run whose model (of the same seed) gives this one's network body
 *     ({@code train --pretrained}); null for fresh weights
 * @param auxiliary whether the run only serves others (the pre-training run): trained on other
 *     data, not evaluated, no row of its own
 */
public record RunSpec(String name, String label, MagnetParams params, NetworkChoice network,
    Map<String, String> factors, String startsFrom, boolean auxiliary) {
  /** A run of the experiment's own data from fresh weights. */
  public RunSpec(String name, String label, MagnetParams params, NetworkChoice network, Map<String, String> factors) {
    this(name, label, params, network, factors, null, false);
  }

  public RunSpec {
    if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
      throw new IllegalArgumentException("a run name must be lower-case letters, digits, '.' and '-'; name=" + name);
    }
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(network, "network");
    factors = Collections.unmodifiableMap(new LinkedHashMap<>(factors));
  }

  /** The loss the run trains with. */
  public LossKind loss() {
    return params.loss();
  }

  /** The seed of its weights, sampling and data order. */
  public long seed() {
    return params.seed();
  }

  /** The same configuration with another seed. */
  public RunSpec withSeed(long seed) {
    return new RunSpec(name, label, params.withSeed(seed), network, factors, startsFrom, auxiliary);
  }

  /** The objective of the run's loss: the classifier it is scored by. */
  public Objective objective() {
    return Objective.of(params);
  }

  /** This run, its network body from {@code run}'s model: named {@code <name>-pretrained}. */
  RunSpec startingFrom(RunSpec run) {
    return new RunSpec(name + "-pretrained", label + " (pre-trained)", params, network, factors, run.name(), false);
  }

  /** A run that differs from the others by its loss (and that loss's tuned configuration) only. */
  static RunSpec ofLoss(TunedConfig base) {
    String name = EnumSpelling.of(base.params().loss());
    return new RunSpec(name, name, base.params(), base.network(), Map.of());
  }
}
