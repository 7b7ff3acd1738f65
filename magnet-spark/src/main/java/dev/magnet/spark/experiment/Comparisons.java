package dev.magnet.spark.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an experiment's table compares: the pairs of configurations it is about, their paired
 * differences on the same seeds (per column, with 95% intervals), and the paper's claims, each
 * tested as {@code Magnet − w × baseline < 0} on those pairs ({@link Claim}).
 */
public final class Comparisons {
  /** "Lower than": Magnet − baseline < 0. */
  static final double LOWER = 1;
  /** The paper's "30–40% lower error than triplet", at its lower end: Magnet − 0.7 × triplet < 0. */
  static final double TRIPLET_WEIGHT = 0.7;
  /** The paper's "5–30× fewer iterations", at its lower end: Magnet − triplet / 5 < 0. */
  static final double ITERATIONS_WEIGHT = 0.2;
  /** The hierarchy target, a fine 1-NN error at least 10% (relative) below each baseline's: Magnet − 0.9 × baseline < 0. */
  static final double HIERARCHY_WEIGHT = 0.9;

  /**
   * A paired difference between two configurations, per column, over the seeds both have.
   *
   * @param run the configuration compared
   * @param baseline what it is compared with
   * @param values the differences' intervals by results.json key (compared columns where both runs
   *     have values)
   */
  public record Difference(RunSpec run, RunSpec baseline, Map<String, Interval> values) {}

  private final ExperimentTable table;

  private Comparisons(ExperimentTable table) {
    this.table = table;
  }

  static Comparisons of(ExperimentTable table) {
    return new Comparisons(table);
  }

  /**
   * The comparisons the experiment is about, as (run, baseline): Magnet against each baseline; in
   * the ablation each row against the reference run; in the pretrained experiment each loss with
   * pre-training against itself without, then Magnet against the baselines with and without. Only
   * pairs whose both configurations have runs.
   */
  List<RunSpec[]> pairs() {
    List<String[]> names = new ArrayList<>();
    switch (table.experiment()) {
      case CLASSIFICATION, HIERARCHY -> names.addAll(List.of(pair("magnet", "softmax"), pair("magnet", "triplet")));
      case ITERATIONS -> names.add(pair("magnet", "triplet"));
      case ABLATION -> table.configurations().stream().filter(r -> !r.name().equals(ExperimentPlan.DEFAULTS_RUN))
          .forEach(r -> names.add(pair(r.name(), ExperimentPlan.DEFAULTS_RUN)));
      case PRETRAINED -> {
        for (String loss : List.of("magnet", "softmax", "triplet")) {
          names.add(pair(loss + PRETRAINED, loss));
        }
        names.addAll(List.of(pair("magnet" + PRETRAINED, "softmax" + PRETRAINED),
            pair("magnet" + PRETRAINED, "triplet" + PRETRAINED), pair("magnet", "softmax"), pair("magnet", "triplet")));
      }
      default -> throw new IllegalStateException("unknown experiment " + table.experiment());
    }
    List<RunSpec[]> pairs = new ArrayList<>();
    for (String[] p : names) {
      RunSpec run = find(p[0]);
      RunSpec baseline = find(p[1]);
      if (run != null && baseline != null) {
        pairs.add(new RunSpec[] {run, baseline});
      }
    }
    return pairs;
  }

  /** The suffix of the pretrained experiment's runs that start from the pre-trained body. */
  private static final String PRETRAINED = "-pretrained";

  private static String[] pair(String run, String baseline) {
    return new String[] {run, baseline};
  }

  /** The paired differences of every numeric column for each of {@link #pairs()}, over the seeds both have. */
  List<Difference> differences() {
    List<Difference> differences = new ArrayList<>();
    for (RunSpec[] pair : pairs()) {
      Map<String, Interval> values = new LinkedHashMap<>();
      for (String key : table.comparedKeys()) {
        paired(pair[0], pair[1], key, 1).ifPresent(i -> values.put(key, i));
      }
      differences.add(new Difference(pair[0], pair[1], values));
    }
    return differences;
  }

  /** The interval of {@code a − weight · b} over the seeds where both have the column's value. */
  private Optional<Interval> paired(RunSpec a, RunSpec b, String key, double weight) {
    Map<Long, Double> av = table.bySeed(a, key);
    Map<Long, Double> bv = table.bySeed(b, key);
    List<Long> seeds = av.keySet().stream().filter(bv::containsKey).toList();
    if (seeds.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Interval.weighted(seeds.stream().mapToDouble(av::get).toArray(), weight,
        seeds.stream().mapToDouble(bv::get).toArray()));
  }

  /** The paper's claims this experiment tests, each with its verdict at 95%. */
  List<Claim> claims() {
    List<Claim> claims = new ArrayList<>();
    RunSpec magnet = find("magnet");
    RunSpec softmax = find("softmax");
    RunSpec triplet = find("triplet");
    switch (table.experiment()) {
      case CLASSIFICATION -> {
        claim(claims, "Magnet beats softmax on classification (each by its own classifier)", "test_error",
            magnet, softmax, LOWER);
        claim(claims, "Magnet's error is 30–40% below triplet's (each by its own classifier; tested: at least 30%)",
            "test_error", magnet, triplet, TRIPLET_WEIGHT);
        claim(claims, "Magnet beats softmax by 1-NN", "knn1_error", magnet, softmax, LOWER);
        claim(claims, "Magnet's 1-NN error is at least 30% below triplet's", "knn1_error", magnet, triplet,
            TRIPLET_WEIGHT);
      }
      case HIERARCHY -> {
        claim(claims, "Magnet keeps more fine structure than softmax: fine 1-NN error at least 10% below",
            "fine_knn1_error", magnet, softmax, HIERARCHY_WEIGHT);
        claim(claims, "Magnet keeps more fine structure than triplet: fine 1-NN error at least 10% below",
            "fine_knn1_error", magnet, triplet, HIERARCHY_WEIGHT);
      }
      case ITERATIONS -> claim(claims, "Magnet reaches the same error in 5–30× fewer iterations than triplet"
          + " (tested: at least 5×, at the lowest error both reach per seed)", "iterations_to_common_error", magnet,
          triplet, ITERATIONS_WEIGHT);
      case PRETRAINED -> {
        claim(claims, "From a pre-trained network (the paper's setting), Magnet keeps more fine structure than"
            + " softmax: fine 1-NN error at least 10% below", "fine_knn1_error", find("magnet" + PRETRAINED),
            find("softmax" + PRETRAINED), HIERARCHY_WEIGHT);
        claim(claims, "From a pre-trained network, Magnet keeps more fine structure than triplet: fine 1-NN error at"
            + " least 10% below", "fine_knn1_error", find("magnet" + PRETRAINED), find("triplet" + PRETRAINED),
            HIERARCHY_WEIGHT);
      }
      case ABLATION -> { }
      default -> throw new IllegalStateException("unknown experiment " + table.experiment());
    }
    return claims;
  }

  private RunSpec find(String name) {
    return table.configurations().stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  /** A claim "a's {@code key} is below {@code weight} × b's", paired by seed: a − weight · b < 0. */
  private void claim(List<Claim> claims, String statement, String key, RunSpec a, RunSpec b, double weight) {
    if (a == null || b == null) {
      return;
    }
    Optional<Interval> difference = paired(a, b, key, weight);
    if (difference.isEmpty()) {
      return;
    }
    Map<Long, Double> av = table.bySeed(a, key);
    Map<Long, Double> bv = table.bySeed(b, key);
    List<Long> seeds = av.keySet().stream().filter(bv::containsKey).toList();
    claims.add(new Claim(statement, key, b.label(), weight,
        Interval.of(seeds.stream().mapToDouble(av::get).toArray()),
        Interval.of(seeds.stream().mapToDouble(bv::get).toArray()), difference.get(),
        Verdict.below(difference.get())));
  }

}
