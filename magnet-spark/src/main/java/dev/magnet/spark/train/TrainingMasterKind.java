package dev.magnet.spark.train;

/**
 * How the workers' updates meet (docs/scaling.md, "Two distributed modes"); {@code train
 * --training-master} spells it {@code averaging}, {@code dl4j-averaging} or {@code sharing}.
 */
public enum TrainingMasterKind {
  /**
   * Parameter averaging with a chunk's rounds in one Spark barrier stage: each worker fits
   * {@code averagingFrequency} batches, then the workers average parameters and updater state
   * among themselves through Spark's block manager and go on, with no job, broadcast or network
   * rebuilt per round (docs/scaling.md, "Averaging in one stage"). The default: measured, with
   * per-update timing and a divergence guard on the workers. Where Spark cannot run a barrier
   * stage (dynamic allocation, fewer task slots than workers) the chunk falls back to
   * {@link #DL4J_AVERAGING}, which computes the rounds of {@code averagingLag} 0, and the log says
   * why. With a lag, each worker fits that many batches of the next round while a round is
   * averaged (docs/scaling.md, "Overlapped rounds").
   */
  AVERAGING,
  /**
   * DL4J's {@code ParameterAveragingTrainingMaster}: the same averaging as {@link #AVERAGING}, one
   * Spark job a round, the parameters broadcast from the driver and the workers' results averaged
   * on it. Runs under dynamic allocation.
   */
  DL4J_AVERAGING,
  /**
   * DL4J's {@code SharedTrainingMaster}: the workers send each other threshold-encoded updates
   * over Aeron UDP after every batch, with no round through the driver (Strom 2015). For many
   * workers or large networks. Unavailable in this mode: the per-update timing (the epoch's
   * averaging seconds are reported as 0) and the workers' per-update divergence guard (the driver
   * still checks the parameters after every fit and the loss after every split).
   */
  SHARING;

  /** Whether the workers' parameters are averaged in rounds every {@code averagingFrequency} batches. */
  public boolean averages() {
    return this != SHARING;
  }
}
