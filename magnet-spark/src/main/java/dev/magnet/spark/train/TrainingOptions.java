package dev.magnet.spark.train;

/**
 * How the Spark job runs, as opposed to what it learns ({@link dev.magnet.core.params.MagnetParams}).
 *
 * @param checkpointDir Hadoop path for per-epoch checkpoints; null for none
 * @param resume continue from the last complete checkpoint in {@code checkpointDir}
 * @param startIfNone with {@code resume}: start at epoch 1 when {@code checkpointDir} holds no
 *     checkpoint (a scheduled run that always asks to resume), instead of refusing the directory
 * @param averagingFrequency batches each worker fits between parameter averagings
 * @param workers data-parallel workers; 0 = Spark's default parallelism
 * @param smallClassLimit classes with at most this many examples are clustered together in one
 *     stage; larger ones get MLlib's distributed K-means, one job each
 * @param trainingMaster how the workers' updates meet: parameter averaging through the driver, or
 *     gradient sharing between the workers
 */
public record TrainingOptions(String checkpointDir, boolean resume, boolean startIfNone, int averagingFrequency,
    int workers, long smallClassLimit, TrainingMasterKind trainingMaster) {
  /**
   * Averaging every 10 batches: on Fashion-MNIST (3 epochs, 2 workers) as accurate as every 5
   * (test 1-NN 0.8662 against 0.8664), with half the averaging rounds (docs/benchmarks.md).
   */
  public static final int DEFAULT_AVERAGING_FREQUENCY = 10;
  /** Up to 200k rows × 64 floats (≈ 51 MB) fit one task comfortably. */
  public static final long DEFAULT_SMALL_CLASS_LIMIT = 200_000;

  public TrainingOptions {
    if (averagingFrequency < 1) {
      throw new IllegalArgumentException("averagingFrequency must be positive; averagingFrequency=" + averagingFrequency);
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
    return new TrainingOptions(null, false, false, DEFAULT_AVERAGING_FREQUENCY, 0, DEFAULT_SMALL_CLASS_LIMIT,
        TrainingMasterKind.AVERAGING);
  }

  public TrainingOptions withCheckpoints(String dir, boolean resumeFromThem) {
    return new TrainingOptions(dir, resumeFromThem, false, averagingFrequency, workers, smallClassLimit,
        trainingMaster);
  }

  /** These options, starting at epoch 1 when the checkpoint directory holds no checkpoint. */
  public TrainingOptions startingIfNone() {
    return new TrainingOptions(checkpointDir, true, true, averagingFrequency, workers, smallClassLimit,
        trainingMaster);
  }

  public TrainingOptions withAveragingFrequency(int value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, value, workers, smallClassLimit, trainingMaster);
  }

  public TrainingOptions withWorkers(int value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, value, smallClassLimit,
        trainingMaster);
  }

  public TrainingOptions withSmallClassLimit(long value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, workers, value, trainingMaster);
  }

  public TrainingOptions withTrainingMaster(TrainingMasterKind value) {
    return new TrainingOptions(checkpointDir, resume, startIfNone, averagingFrequency, workers, smallClassLimit, value);
  }
}
