package dev.magnet.spark.train;

/**
 * How the workers' updates meet (docs/scaling.md, "Two distributed modes"); {@code train
 * --training-master} spells it {@code averaging} or {@code sharing}.
 */
public enum TrainingMasterKind {
  /**
   * DL4J's {@code ParameterAveragingTrainingMaster}: each worker fits {@code averagingFrequency}
   * batches, then the driver averages parameters and updater state, a synchronous round through
   * the driver. The default: measured, with per-update timing and a divergence guard on the workers.
   */
  AVERAGING,
  /**
   * DL4J's {@code SharedTrainingMaster}: the workers send each other threshold-encoded updates
   * over Aeron UDP after every batch, with no round through the driver (Strom 2015). For many
   * workers or large networks. Unavailable in this mode: the per-update timing (the epoch's
   * averaging seconds are reported as 0) and the workers' per-update divergence guard (the driver
   * still checks the parameters after every fit and the loss after every split).
   */
  SHARING
}
