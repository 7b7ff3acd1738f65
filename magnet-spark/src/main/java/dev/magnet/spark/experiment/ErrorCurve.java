package dev.magnet.spark.experiment;

import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A run's held-out error after each epoch against the iterations (batches fitted) so far, and
 * the iterations it needs to reach an error: the first epoch boundary at or below it.
 *
 * <p>Example: epochs of 250 batches with 1-NN accuracies 0.80, 0.86, 0.84 give the points
 * (250, 0.20), (500, 0.14), (750, 0.16); an error of 0.15 is reached at 500 iterations, 0.10 not
 * at all.
 *
 * @param points in epoch order
 */
public record ErrorCurve(List<Point> points) {
  /**
   * @param iterations batches fitted up to the end of this epoch
   * @param error 1 − the held-out accuracy measured then
   */
  public record Point(long iterations, double error) {}

  public ErrorCurve {
    points = List.copyOf(points);
  }

  /**
   * The curve of a run's epochs: cumulative batches against 1 − {@code accuracyMetric}.
   *
   * @throws IllegalArgumentException if an epoch has no such held-out metric
   */
  public static ErrorCurve of(List<SparkEpochMetrics> epochs, String accuracyMetric) {
    List<Point> points = new ArrayList<>(epochs.size());
    long iterations = 0;
    for (SparkEpochMetrics e : epochs) {
      iterations += e.batches();
      Double accuracy = e.validation().get(accuracyMetric);
      if (accuracy == null) {
        throw new IllegalArgumentException("every epoch needs the held-out " + accuracyMetric + "; epoch " + e.epoch()
            + " has " + e.validation().keySet());
      }
      points.add(new Point(iterations, 1 - accuracy));
    }
    return new ErrorCurve(points);
  }

  /** The iterations at the first epoch boundary whose error is at most {@code error}; empty if none is. */
  public OptionalLong iterationsToReach(double error) {
    return points.stream().filter(p -> p.error() <= error).mapToLong(Point::iterations).findFirst();
  }

  /** The lowest error of any epoch; empty for no epochs. */
  public OptionalDouble lowest() {
    return points.stream().mapToDouble(Point::error).min();
  }

  /** The error after the last epoch; empty for no epochs. */
  public OptionalDouble last() {
    return points.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(points.get(points.size() - 1).error());
  }

  /**
   * The lowest error that every curve reaches (the largest of their lowest errors); empty when
   * there are no curves or one has no points.
   */
  public static OptionalDouble commonError(Collection<ErrorCurve> curves) {
    if (curves.isEmpty() || curves.stream().anyMatch(c -> c.points().isEmpty())) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(curves.stream().mapToDouble(c -> c.lowest().orElseThrow()).max().orElseThrow());
  }
}
