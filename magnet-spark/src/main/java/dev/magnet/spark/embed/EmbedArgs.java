package dev.magnet.spark.embed;

/**
 * The names of {@code embed}'s options, shared by the command's declarations and
 * {@link EmbedRequest#toArgs()} (see {@code TrainArgs}).
 */
public final class EmbedArgs {
  public static final String COMMAND = "embed";
  public static final String MODEL = "--model";
  public static final String INPUT = "--input";
  public static final String OUTPUT = "--output";
  public static final String REJECTS = "--rejects";
  public static final String OVERWRITE = "--overwrite";
  public static final String BATCH_SIZE = "--batch-size";
  public static final String INCREMENTAL = "--incremental";

  private EmbedArgs() {}
}
