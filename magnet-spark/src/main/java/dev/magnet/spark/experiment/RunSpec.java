package dev.magnet.spark.experiment;

import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One training of an experiment.
 *
 * @param name its directory inside the experiment's, and its id in results.json
 * @param label its row's name in the table
 * @param params what it learns: the experiment's parameters with its own loss (or, in the
 *     ablation, its own value of one factor)
 * @param factors the ablated hyper-parameters' values, by name, for the table (empty outside the ablation)
 */
public record RunSpec(String name, String label, MagnetParams params, Map<String, String> factors) {
  public RunSpec {
    if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
      throw new IllegalArgumentException("a run name must be lower-case letters, digits, '.' and '-'; name=" + name);
    }
    Objects.requireNonNull(params, "params");
    factors = Collections.unmodifiableMap(new LinkedHashMap<>(factors));
  }

  /** The loss the run trains with. */
  public LossKind loss() {
    return params.loss();
  }

  /** The objective of the run's loss: the classifier it is scored by. */
  public Objective objective() {
    return Objective.of(params);
  }

  /** A run that differs from the others by its loss only. */
  static RunSpec ofLoss(MagnetParams shared, LossKind loss) {
    String name = EnumSpelling.of(loss);
    return new RunSpec(name, name, shared.withLoss(loss), Map.of());
  }
}
