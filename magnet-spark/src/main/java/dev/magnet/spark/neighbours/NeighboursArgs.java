package dev.magnet.spark.neighbours;

/**
 * The names of {@code neighbours}' subcommands and options, shared by the command's declarations
 * and the requests' {@code toArgs()} (see {@code TrainArgs}).
 */
public final class NeighboursArgs {
  public static final String COMMAND = "neighbours";
  public static final String BUILD = "build";
  public static final String QUERY = "query";
  public static final String RECALL = "recall";
  public static final String GENERATE = "generate";
  public static final String LSH = "lsh";

  public static final String EMBEDDINGS = "--embeddings";
  public static final String OUTPUT = "--output";
  public static final String INDEX = "--index";
  public static final String LISTS = "--lists";
  public static final String MAX_CONN = "--max-conn";
  public static final String BEAM_WIDTH = "--beam-width";
  public static final String METRIC = "--metric";
  public static final String SEED = "--seed";
  public static final String INCREMENTAL = "--incremental";
  public static final String OVERWRITE = "--overwrite";
  public static final String QUERIES = "--queries";
  public static final String SELF = "--self";
  public static final String K = "--k";
  public static final String NPROBE = "--nprobe";
  public static final String EF_SEARCH = "--ef-search";
  public static final String THRESHOLD = "--threshold";
  public static final String EXACT = "--exact";
  public static final String REPORT = "--report";
  public static final String SAMPLE = "--sample";
  public static final String JSON = "--json";
  public static final String ROWS = "--rows";
  public static final String DIMENSION = "--dimension";
  public static final String CLUSTERS = "--clusters";
  public static final String SPREAD = "--spread";
  public static final String FIRST_ID = "--first-id";
  public static final String BUCKET_LENGTH = "--bucket-length";
  public static final String HASH_TABLES = "--hash-tables";
  public static final String MODE = "--mode";
  public static final String FEATURES = "--features";

  private NeighboursArgs() {}
}
