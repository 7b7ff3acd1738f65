package dev.magnet.spark.experiment;

import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training of an experiment.
 *
 * @param name its directory inside the experiment's, and its id in results.json
 * @param label its row's name in the table
 * @param loss what it trains with
 * @param options the train options that set it apart from the experiment's other runs (empty for none)
 * @param factors the ablated hyper-parameters' values, by name, for the table (empty outside the ablation)
 */
public record RunSpec(String name, String label, LossKind loss, List<String> options, Map<String, String> factors) {
  public RunSpec {
    if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
      throw new IllegalArgumentException("a run name must be lower-case letters, digits, '.' and '-'; name=" + name);
    }
    options = List.copyOf(options);
    factors = Collections.unmodifiableMap(new LinkedHashMap<>(factors));
  }

  /** The objective of the run's loss: the classifier it is scored by. */
  public Objective objective() {
    return Objective.of(MagnetParams.defaults().withLoss(loss));
  }

  /** A run that differs from the others by its loss only. */
  static RunSpec ofLoss(LossKind loss) {
    String name = loss.name().toLowerCase(Locale.ROOT);
    return new RunSpec(name, name, loss, List.of(), Map.of());
  }
}
