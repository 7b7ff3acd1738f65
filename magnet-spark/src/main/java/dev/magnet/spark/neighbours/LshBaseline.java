package dev.magnet.spark.neighbours;

import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSH;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code neighbours lsh}: the yardstick, Spark ML's {@code BucketedRandomProjectionLSH}, on the
 * same tables and queries, with its recall@k against {@link ExactSearch} and its query rate, so
 * that the index is compared with it in one sitting (docs/benchmarks.md). Two ways to query it:
 * {@code nearest} calls {@code approxNearestNeighbors} once per query (its API: one key, a scan of
 * the hashed table each time); {@code join} runs one {@code approxSimilarityJoin} of all sampled
 * queries within {@code --threshold} and keeps each query's k nearest. The caller tunes
 * {@code --bucket-length} and {@code --hash-tables} for recall, one run per setting.
 */
public final class LshBaseline extends SparkJob {
  /** The two ways of querying the LSH model. */
  public enum Mode { NEAREST, JOIN }

  /**
   * One {@code neighbours lsh} run.
   *
   * @param embeddings the indexed table
   * @param queries the query table
   * @param sample queries used (seeded sample)
   * @param k neighbours per query
   * @param bucketLength LSH bucket length
   * @param hashTables LSH hash tables
   * @param mode how the model is queried
   * @param threshold the join's distance threshold (join mode)
   * @param seed seeds the sample and the projections
   * @param json where the figures also go, or null
   */
  public record Request(String embeddings, String queries, int sample, int k, double bucketLength, int hashTables,
      Mode mode, double threshold, long seed, String json) {
    public Request check() {
      if (sample <= 0 || k <= 0 || hashTables <= 0 || !(bucketLength > 0)) {
        throw new IllegalArgumentException("sample, k, hash-tables and bucket-length must be positive; sample="
            + sample + ", k=" + k + ", hash-tables=" + hashTables + ", bucket-length=" + bucketLength);
      }
      if (mode == Mode.JOIN && !(threshold > 0)) {
        throw new IllegalArgumentException("the join mode needs a threshold > 0; threshold=" + threshold);
      }
      return this;
    }
  }

  public LshBaseline(SparkSession session, PrintWriter out) {
    super(session, out);
  }

  private Dataset<Row> vectors(JavaRDD<Item> items) {
    JavaRDD<Row> rows = items.map(i -> {
      double[] d = new double[i.vector().length];
      for (int j = 0; j < d.length; j++) {
        d[j] = i.vector()[j];
      }
      return org.apache.spark.sql.RowFactory.create(i.id(), Vectors.dense(d));
    });
    return session.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
        .add("id", org.apache.spark.sql.types.DataTypes.LongType, false)
        .add("features", new org.apache.spark.ml.linalg.VectorUDT(), false));
  }

  /** Runs one request. */
  public int run(Request request) {
    JobException.argument(request::check);
    EmbeddingTable data = EmbeddingTable.open(session, request.embeddings());
    EmbeddingTable queryTable = EmbeddingTable.open(session, request.queries());
    if (data.dimension() != queryTable.dimension()) {
      throw new JobException(ExitCodes.BAD_INPUT, "embedding dimensions differ: " + queryTable.dimension() + "!="
          + data.dimension() + " (queries " + request.queries() + " against " + request.embeddings() + ")");
    }
    JavaRDD<Item> items = data.items(VectorMetric.EUCLIDEAN).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Item> queries = RecallJob.sample(queryTable.items(VectorMetric.EUCLIDEAN), request.sample(),
        request.seed()).persist(StorageLevel.MEMORY_AND_DISK());
    long sampled = queries.count();
    int k = request.k();
    JavaPairRDD<Long, Hits> exact = ExactSearch.nearest(queries, items, ExactSearch.Depth.constant(k), false,
        ExactSearch.DEFAULT_BLOCK_ROWS, Math.max(1, queries.getNumPartitions()));
    Map<Long, Set<Long>> truth = new HashMap<>();
    // The sample is small (--sample queries × k ids): the comparison runs on the driver.
    for (scala.Tuple2<Long, Hits> t : exact.collect()) {
      Set<Long> ids = new HashSet<>();
      for (int i = 0; i < t._2().size(); i++) {
        ids.add(t._2().id(i));
      }
      truth.put(t._1(), ids);
    }
    CpuClock buildClock = new CpuClock();
    BucketedRandomProjectionLSH lsh = new BucketedRandomProjectionLSH().setBucketLength(request.bucketLength())
        .setNumHashTables(request.hashTables()).setSeed(request.seed()).setInputCol("features")
        .setOutputCol("hashes");
    Dataset<Row> table = vectors(items);
    BucketedRandomProjectionLSHModel model = lsh.fit(table);
    Dataset<Row> hashed = model.transform(table).persist(StorageLevel.MEMORY_AND_DISK());
    hashed.count();
    double buildSeconds = buildClock.wallSeconds();
    double buildCpu = buildClock.cpuSeconds();
    Map<Long, List<Long>> found = new HashMap<>();
    CpuClock queryClock = new CpuClock();
    if (request.mode() == Mode.NEAREST) {
      for (Row q : vectors(queries).collectAsList()) {
        List<Long> ids = new ArrayList<>();
        for (Row r : model.approxNearestNeighbors(hashed, (Vector) q.get(1), k).select("id").collectAsList()) {
          ids.add(r.getLong(0));
        }
        found.put(q.getLong(0), ids);
      }
    } else {
      Dataset<Row> joined = model.approxSimilarityJoin(hashed, model.transform(vectors(queries)),
          request.threshold(), "distance")
          .select(functions.col("datasetA.id").as("id"), functions.col("datasetB.id").as("query"),
              functions.col("distance"))
          .withColumn("rank", functions.row_number().over(Window.partitionBy("query").orderBy("distance", "id")))
          .where(functions.col("rank").leq(k));
      for (Row r : joined.collectAsList()) {
        found.computeIfAbsent(r.getLong(1), q -> new ArrayList<>()).add(r.getLong(0));
      }
    }
    double querySeconds = queryClock.wallSeconds();
    double queryCpu = queryClock.cpuSeconds();
    double recallSum = 0;
    for (Map.Entry<Long, Set<Long>> t : truth.entrySet()) {
      List<Long> ids = found.getOrDefault(t.getKey(), List.of());
      long hit = ids.stream().filter(t.getValue()::contains).count();
      recallSum += t.getValue().isEmpty() ? 1 : (double) hit / t.getValue().size();
    }
    double recall = recallSum / truth.size();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("embeddings", request.embeddings());
    figures.put("rows", data.rows());
    figures.put("queries", sampled);
    figures.put("k", k);
    figures.put("mode", request.mode().name().toLowerCase(Locale.ROOT));
    figures.put("bucket_length", request.bucketLength());
    figures.put("hash_tables", request.hashTables());
    figures.put("threshold", request.threshold());
    figures.put("recall_at_k", recall);
    figures.put("hash_seconds", buildSeconds);
    figures.put("hash_cpu_seconds", buildCpu);
    figures.put("query_seconds", querySeconds);
    figures.put("query_cpu_seconds", queryCpu);
    figures.put("queries_per_second", sampled / querySeconds);
    out.println(String.format(Locale.ROOT, "LSH (%s, bucket length %s, %d tables): recall@%d = %.4f over %d queries;"
        + " hashing %.1f s (%.1f CPU s); queries %.1f s (%.1f CPU s, %.2f queries/s)", figures.get("mode"),
        request.bucketLength(), request.hashTables(), k, recall, sampled, buildSeconds, buildCpu, querySeconds,
        queryCpu, sampled / querySeconds));
    FiguresJson.write(request.json(), figures, conf);
    hashed.unpersist();
    queries.unpersist();
    items.unpersist();
    return ExitCodes.SUCCESS;
  }
}
