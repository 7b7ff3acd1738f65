package dev.magnet.core.objective;

import java.util.Map;

/** Checks every {@link Objective} shares. */
final class Objectives {
  private Objectives() {}

  /** Every class id of the data lies in [0, numClasses). */
  static void checkLabels(Map<Integer, Long> classCounts, int numClasses) {
    for (int label : classCounts.keySet()) {
      if (label < 0 || label >= numClasses) {
        throw new IllegalArgumentException("label must be in [0, " + numClasses + "); found " + label);
      }
    }
  }
}
