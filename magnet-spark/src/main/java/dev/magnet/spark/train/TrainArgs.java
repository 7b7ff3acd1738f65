package dev.magnet.spark.train;

import dev.magnet.core.params.EnumSpelling;

/**
 * The names of {@code train}'s options. The command declares its options with these constants and
 * {@link TrainRequest#toArgs()} spells a request with them, so that a renamed option is renamed
 * for both, and one that is removed breaks the build of everything that still sets it (the
 * experiments and the demo build typed requests, never option strings).
 */
public final class TrainArgs {
  public static final String DATA = "--data";
  public static final String VALIDATION = "--validation";
  public static final String LIMIT = "--limit";
  public static final String LABELS = "--labels";
  public static final String IMAGE_SIZE = "--image-size";
  public static final String CHANNELS = "--channels";
  public static final String AUGMENT = "--augment";
  public static final String COARSE = "--coarse";
  public static final String LOSS = "--loss";
  public static final String NETWORK = "--network";
  public static final String EPOCHS = "--epochs";
  public static final String K = "-K";
  public static final String CLUSTERS_PER_CLASS = "--clusters-per-class";
  public static final String M = "-M";
  public static final String CLUSTERS_PER_BATCH = "--clusters-per-batch";
  public static final String D = "-D";
  public static final String EXAMPLES_PER_CLUSTER = "--examples-per-cluster";
  public static final String ALPHA = "--alpha";
  public static final String L = "-L";
  public static final String NEAREST_CLUSTERS = "--nearest-clusters";
  public static final String REFRESH_EVERY = "--refresh-every";
  public static final String REFRESHES_PER_EPOCH = "--refreshes-per-epoch";
  public static final String BATCHES_PER_EPOCH = "--batches-per-epoch";
  public static final String TRIPLET_MARGIN = "--triplet-margin";
  public static final String KMEANS_ITERATIONS = "--kmeans-iterations";
  public static final String EMBEDDING_DIM = "--embedding-dim";
  public static final String HIDDEN_SIZES = "--hidden-sizes";
  public static final String LEARNING_RATE = "--learning-rate";
  public static final String SEED = "--seed";
  public static final String AVERAGING_FREQUENCY = "--averaging-frequency";
  public static final String AVERAGING_LAG = "--averaging-lag";
  public static final String WORKERS = "--workers";
  public static final String TRAINING_MASTER = "--training-master";
  public static final String CHECKPOINT_DIR = "--checkpoint-dir";
  public static final String RESUME = "--resume";
  public static final String RESUME_IF_PRESENT = "--resume-if-present";
  public static final String INIT_FROM = "--init-from";
  public static final String PRETRAINED = "--pretrained";
  public static final String OUTPUT = "--output";
  public static final String PUBLISH_TO = "--publish-to";
  public static final String RUN_ID = "--run-id";
  public static final String NO_WORSE_THAN = "--no-worse-than";
  public static final String COMPARE_METRIC = "--compare-metric";
  public static final String OVERWRITE = "--overwrite";
  public static final String METRICS = "--metrics";
  public static final String MIN_METRIC = "--min-metric";
  public static final String NO_REPORT = "--no-report";
  /** The command's name, the first word of {@link TrainRequest#toArgs()}. */
  public static final String COMMAND = "train";

  private TrainArgs() {}

  /**
   * Refuses the options of averaging rounds that {@code master} has no use for, naming both
   * values: {@link #AVERAGING_FREQUENCY} under gradient sharing, {@link #AVERAGING_LAG} under any
   * master but the one-stage averaging.
   *
   * @param averagingFrequency the option's value, or null when it was not given
   * @param averagingLag likewise
   */
  public static void checkRoundOptions(TrainingMasterKind master, Integer averagingFrequency, Integer averagingLag) {
    if (!master.averages() && averagingFrequency != null) {
      throw new IllegalArgumentException(AVERAGING_FREQUENCY + " applies to " + TRAINING_MASTER
          + " averaging and dl4j-averaging; gradient sharing has no averaging rounds: training-master=sharing,"
          + " averaging-frequency=" + averagingFrequency);
    }
    if (master != TrainingMasterKind.AVERAGING && averagingLag != null) {
      throw new IllegalArgumentException(AVERAGING_LAG + " applies to " + TRAINING_MASTER + " averaging, whose"
          + " rounds run in one Spark stage: training-master=" + EnumSpelling.of(master) + ", averaging-lag="
          + averagingLag);
    }
  }
}
