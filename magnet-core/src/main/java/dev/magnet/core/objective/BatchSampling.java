package dev.magnet.core.objective;

/** The three shapes of mini-batch an {@link Objective} trains on. */
public enum BatchSampling {
  /**
   * M clusters x D examples: a seed cluster drawn by its loss and its M-1 nearest clusters of other
   * classes, planned from the cluster index, which is refreshed before planning (Magnet).
   */
  NEIGHBOURHOODS,
  /** P classes x K examples, P drawn uniformly among the classes with two or more examples (triplet). */
  CLASSES,
  /** A seeded shuffle of the training set cut into batches, each example at most once a pass (softmax). */
  SHUFFLED
}
