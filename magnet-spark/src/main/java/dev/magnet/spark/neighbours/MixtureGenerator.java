package dev.magnet.spark.neighbours;

import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code neighbours generate}: a seeded Gaussian mixture written as an embeddings table, the
 * scale test's corpus. Cluster c's centre has standard normal coordinates drawn from
 * {@code (seed, c)}; row {@code id} belongs to cluster {@code hash(id, seed) mod clusters} and is
 * its centre plus normal noise of standard deviation {@code spread} per coordinate, drawn from
 * {@code (seed, id)}. So every row depends on the seed and its id only, whatever the partitioning,
 * and a second table with other ids ({@code --first-id}) holds fresh points of the same clusters:
 * the queries. Rows are generated on the executors; the label is the cluster ({@code c123}).
 */
public final class MixtureGenerator {
  /** The generated table: the embed table's id, path, embedding, label and model. */
  static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("path", DataTypes.StringType, true)
      .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("label", DataTypes.StringType, true)
      .add("model", DataTypes.StringType, false);
  /** The same rows as a training table: {@code train}'s and {@code evaluate}'s Parquet form. */
  static final StructType FEATURES = new StructType()
      .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("label", DataTypes.StringType, false);
  /** Rows a generating task writes at most. */
  static final long ROWS_PER_TASK = 100_000;

  /**
   * One {@code neighbours generate} run.
   *
   * @param output the table
   * @param rows rows to write
   * @param dimension the embedding width
   * @param clusters mixture components
   * @param spread the noise's standard deviation per coordinate
   * @param seed seeds the centres and the rows
   * @param firstId the first row's id
   * @param overwrite replace an existing table
   * @param features write a training table instead ({@code features} and {@code label}, for
   *     {@code train} and {@code evaluate --data parquet:PATH})
   */
  public record Request(String output, long rows, int dimension, int clusters, double spread, long seed, long firstId,
      boolean overwrite, boolean features) implements java.io.Serializable {
    public static final long DEFAULT_ROWS = 1_000_000;
    public static final int DEFAULT_DIMENSION = 64;
    public static final int DEFAULT_CLUSTERS = 10_000;
    /** Within-cluster distances about 0.3·√128 ≈ 3.4 against ≈ 11 between centres. */
    public static final double DEFAULT_SPREAD = 0.3;

    /** The rules that need no data. */
    public Request check() {
      if (rows <= 0 || dimension <= 0 || clusters <= 0) {
        throw new IllegalArgumentException("rows, dimension and clusters must be positive; rows=" + rows
            + ", dimension=" + dimension + ", clusters=" + clusters);
      }
      if (!(spread >= 0)) {
        throw new IllegalArgumentException("spread must be >= 0; spread=" + spread);
      }
      return this;
    }
  }

  private final SparkSession session;
  private final PrintWriter out;

  public MixtureGenerator(SparkSession session, PrintWriter out) {
    this.session = session;
    this.out = out;
  }

  /** The coordinates of one cluster's centre. */
  static float[] centre(long seed, int cluster, int dimension) {
    SplittableRandom random = new SplittableRandom(RecallJob.mix(cluster, seed ^ 0x5DEECE66DL));
    float[] c = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      c[i] = (float) gaussian(random);
    }
    return c;
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Row {@code id} of the mixture. */
  static Row row(long id, Request r) {
    int cluster = (int) Math.floorMod(RecallJob.mix(id, r.seed()), (long) r.clusters());
    float[] centre = centre(r.seed(), cluster, r.dimension());
    SplittableRandom random = new SplittableRandom(RecallJob.mix(id, r.seed() + 1));
    Float[] v = new Float[r.dimension()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (centre[i] + r.spread() * gaussian(random));
    }
    return r.features() ? RowFactory.create(v, "c" + cluster)
        : RowFactory.create(id, null, v, "c" + cluster, "mixture-seed-" + r.seed());
  }

  /** Runs one request. */
  public int run(Request request) {
    JobException.argument(request::check);
    Configuration conf = session.sparkContext().hadoopConfiguration();
    IndexQueryJob.checkTarget(request.output(), request.overwrite(), conf);
    JavaSparkContext spark = JavaSparkContext.fromSparkContext(session.sparkContext());
    long tasks = Math.max(spark.defaultParallelism(), (request.rows() + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
    List<long[]> ranges = new ArrayList<>();
    for (long t = 0; t < tasks; t++) {
      long from = request.firstId() + request.rows() * t / tasks;
      long to = request.firstId() + request.rows() * (t + 1) / tasks;
      ranges.add(new long[] {from, to});
    }
    JavaRDD<Row> rows = spark.parallelize(ranges, ranges.size())
        .flatMap(range -> LongStream.range(range[0], range[1]).mapToObj(id -> row(id, request)).iterator());
    StagedOutput staged = JobException.input(() -> StagedOutput.of(request.output(), conf));
    CpuClock clock = new CpuClock();
    try {
      JobException.input(() -> {
        session.createDataFrame(rows, request.features() ? FEATURES : SCHEMA).write().parquet(staged.stagingPath());
        staged.publish();
        return null;
      });
    } finally {
      staged.discard();
    }
    out.println(String.format(Locale.ROOT, "wrote %d rows (%d-d, %d clusters, spread %s, seed %d, ids from %d) to %s"
        + " in %.1f s", request.rows(), request.dimension(), request.clusters(), request.spread(), request.seed(),
        request.firstId(), request.output(), clock.wallSeconds()));
    return ExitCodes.SUCCESS;
  }
}
