package dev.magnet.spark.evaluate;

/**
 * The names of {@code evaluate}'s options, shared by the command's declarations and
 * {@link EvaluateRequest#toArgs()} (see {@code TrainArgs}).
 */
public final class EvaluateArgs {
  public static final String COMMAND = "evaluate";
  public static final String MODEL = "--model";
  public static final String DATA = "--data";
  public static final String TRAIN_DATA = "--train-data";
  public static final String FINE_LABELS_FROM = "--fine-labels-from";
  public static final String LIMIT = "--limit";
  public static final String JSON = "--json";
  public static final String REPORT = "--report";
  public static final String MIN_METRIC = "--min-metric";
  public static final String DRIVER_BUDGET = "--driver-budget";

  private EvaluateArgs() {}
}
