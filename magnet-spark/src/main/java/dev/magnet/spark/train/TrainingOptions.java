package dev.magnet.spark.train;

/**
 * How the Spark job runs, as opposed to what it learns ({@link dev.magnet.core.params.MagnetParams}).
 *
 * @param checkpointDir Hadoop path for per-epoch checkpoints; null for none
 * @param resume continue from the last complete checkpoint in {@code checkpointDir}
 * @param startIfNone with {@code resume}: start at epoch 1 when {@code checkpointDir} holds no
 *     checkpoint (a scheduled run that always asks to resume), instead of refusing the directory
 * @param averagingFrequency batches each worker fits between parameter averagings
 * @param averagingLag batches of the next round a worker fits before it takes a round's mean in,
 *     while the round is averaged beside them (docs/scaling.md, "Overlapped rounds"); 0: every
 *     worker waits for each round's mean, as DL4J's parameter averaging. Only the one-stage
 *     averaging of {@link TrainingMasterKind#AVERAGING} has such rounds; a lag over
 *     {@code averagingFrequency} is a whole round
 * @param workers data-parallel workers; 0 = Spark's default parallelism
 * @param smallClassLimit classes with at most this many examples are clustered together in one
 *     stage; larger ones get MLlib's distributed K-means, one job each
 * @param trainingMaster how the workers' updates meet: parameter averaging through the driver, or
 *     gradient sharing between the workers
 */
public record TrainingOptions(String checkpointDir, boolean resume, boolean startIfNone, int averagingFrequency,
    int averagingLag, int workers, long smallClassLimit, TrainingMasterKind trainingMaster) {
  /**
   * Averaging every 10 batches: on Fashion-MNIST (3 epochs, 2 workers) as accurate as every 5
   * (test 1-NN 0.8662 against 0.8664), with half the averaging rounds (docs/benchmarks.md).
   */
  public static final int DEFAULT_AVERAGING_FREQUENCY = 10;
  /**
   * One batch: on local[2] it cut the 20k epoch's averaging from 12.5–13% of the fit to 9–12%,
   * and the 3-epoch Fashion-MNIST runs' test 1-NN moved by no more than a run's own spread; two
   * batches hid no more and moved it further (docs/scaling.md, "Overlapped rounds").
   */
  public static final int DEFAULT_AVERAGING_LAG = 1;
  /** Up to 200k rows × 64 floats (≈ 51 MB) fit one task comfortably. */
  public static final long DEFAULT_SMALL_CLASS_LIMIT = 200_000;

  public TrainingOptions {
    if (averagingFrequency < 1) {
      throw new IllegalArgumentException("averagingFrequency must be positive; averagingFrequency=" + averagingFrequency);
    }
    if (averagingLag < 0) {
      throw new IllegalArgumentException("averagingLag must be >= 0 (0 = in step); averagingLag=" + averagingLag);
    }
    if (workers < 0) {
      throw new IllegalArgumentException("workers must be >= 0 (0 = default parallelism); workers=" + workers);
    }
    if (smallClassLimit < 1) {
      throw new IllegalArgumentException("smallClassLimit must be positive; smallClassLimit=" + smallClassLimit);
    }
    if (startIfNone && !resume) {
      throw new IllegalArgumentException("startIfNone applies to a resumed run; resume=false");
    }
    if (trainingMaster == null) {
      throw new IllegalArgumentException("trainingMaster must be averaging or sharing; trainingMaster=null");
    }
    if (resume && checkpointDir == null) {
      throw new IllegalArgumentException("resume needs a checkpoint directory; checkpointDir=null");
    }
  }

  public static TrainingOptions defaults() {
    return new TrainingOptions(null, false, false, DEFAULT_AVERAGING_FREQUENCY, DEFAULT_AVERAGING_LAG, 0,
        DEFAULT_SMALL_CLASS_LIMIT, TrainingMasterKind.AVERAGING);
  }

  public TrainingOptions withCheckpoints(String dir, boolean resumeFromThem) {
    return new TrainingOptions(dir, resumeFromThem, false, averagingFrequency, averagingLag, workers, smallClassLimit,
        trainingMaster);
  }

  /** These options, starting at epoch 1 when the checkpoint directory holds no checkpoint. */
  public TrainingOptions startingIfNone() {
    return new TrainingOptions(checkpointDir, true, true, averagingFrequency, averagingLag, workers, smallClassLimit,
        trainingMaster);
  }

  public TrainingOptions withAveragingFrequency(int value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, value, averagingLag, workers, smallClassLimit, trainingMaster);
  }

  public TrainingOptions withAveragingLag(int value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, value, workers, smallClassLimit,
        trainingMaster);
  }

  public TrainingOptions withWorkers(int value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, averagingLag, value,
        smallClassLimit, trainingMaster);
  }

  public TrainingOptions withSmallClassLimit(long value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, averagingLag, workers, value, trainingMaster);
  }

  public TrainingOptions withTrainingMaster(TrainingMasterKind value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, averagingLag, workers, smallClassLimit, value);
  }
}
