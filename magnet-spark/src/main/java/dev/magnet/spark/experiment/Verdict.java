package dev.magnet.spark.experiment;

import java.util.Locale;

/**
 * What a confidence interval says of a claim stated as "this difference is below zero" (a lower
 * error, fewer iterations): it holds when the whole interval is below zero, is refuted when the
 * whole interval is at or above zero, and is inconclusive when the interval straddles zero or
 * there is no interval (one seed).
 */
public enum Verdict {
  HOLDS, REFUTED, INCONCLUSIVE;

  /** The verdict on "the true difference is below zero" from the difference's interval. */
  public static Verdict below(Interval difference) {
    if (!difference.defined()) {
      return INCONCLUSIVE;
    }
    if (difference.high() < 0) {
      return HOLDS;
    }
    return difference.low() >= 0 ? REFUTED : INCONCLUSIVE;
  }

  /** The verdict on "the true difference is above zero" (a larger accuracy). */
  public static Verdict above(Interval difference) {
    if (!difference.defined()) {
      return INCONCLUSIVE;
    }
    if (difference.low() > 0) {
      return HOLDS;
    }
    return difference.high() <= 0 ? REFUTED : INCONCLUSIVE;
  }

  /** The word in the tables: holds, refuted, inconclusive. */
  public String spelling() {
    return name().toLowerCase(Locale.ROOT);
  }
}
