package dev.magnet.spark.neighbours;

import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code neighbours query}: the k nearest indexed items of each query, or with
 * {@code --self --threshold T} the near-duplicate pairs of the index, written as Parquet; with
 * {@code --exact} by the blocked brute-force search ({@link ExactSearch}) instead of the index.
 * The driver holds the index's metadata and, with {@code --report}, the gallery's few sampled rows.
 */
public final class IndexQueryJob extends SparkJob {
  /** The neighbour table. */
  public static final StructType NEIGHBOURS = new StructType()
      .add("query_id", DataTypes.LongType, false)
      .add("query_path", DataTypes.StringType, true)
      .add("query_label", DataTypes.StringType, true)
      .add("neighbour_ids", DataTypes.createArrayType(DataTypes.LongType, false), false)
      .add("neighbour_paths", DataTypes.createArrayType(DataTypes.StringType, true), false)
      .add("neighbour_labels", DataTypes.createArrayType(DataTypes.StringType, true), false)
      .add("distances", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
  /** The near-duplicate table: each unordered pair once, smaller id first. */
  public static final StructType PAIRS = new StructType()
      .add("id_a", DataTypes.LongType, false)
      .add("path_a", DataTypes.StringType, true)
      .add("label_a", DataTypes.StringType, true)
      .add("id_b", DataTypes.LongType, false)
      .add("path_b", DataTypes.StringType, true)
      .add("label_b", DataTypes.StringType, true)
      .add("distance", DataTypes.DoubleType, false);

  public IndexQueryJob(SparkSession session, PrintWriter out) {
    super(session, out);
  }

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(QueryRequest request) {
    JobException.argument(request::check);
    checkTarget(request.output(), request.overwrite(), conf);
    if (request.reportDir() != null) {
      Gallery.checkTarget(request.reportDir(), conf);
    }
    NeighbourIndex index = NeighbourIndex.open(request.index(), conf);
    IndexMetadata metadata = index.metadata();
    JavaRDD<Item> indexed = index.items(spark);
    JavaRDD<Item> queries = request.self() ? indexed : queries(request.queries(), index);
    long candidates = request.self() ? metadata.rows() - 1 : metadata.rows();
    if (!(request.threshold() != null && request.exact()) && request.k() > candidates) {
      throw new JobException(ExitCodes.BAD_INPUT, "k is larger than the corpus: k=" + request.k() + ", the index "
          + request.index() + " holds " + metadata.rows() + " items" + (request.self() ? " (each query leaves itself"
          + " out)" : ""));
    }
    long started = System.nanoTime();
    StagedOutput staged = JobException.input(() -> StagedOutput.of(request.output(), conf));
    Dataset<Row> table;
    long rows;
    try {
      if (request.threshold() != null) {
        table = pairs(request, index, indexed);
      } else {
        JavaRDD<Item> persisted = queries.persist(StorageLevel.MEMORY_AND_DISK());
        JavaPairRDD<Long, Hits> hits = request.exact()
            ? ExactSearch.nearest(persisted, indexed, ExactSearch.Depth.constant(request.k()), request.self(),
                ExactSearch.DEFAULT_BLOCK_ROWS, persisted.getNumPartitions())
            : index.search(spark, persisted, request.k(), request.nprobe(), request.efSearch(), request.self());
        table = neighbourTable(persisted, hits, index.metric());
      }
      Dataset<Row> result = table;
      NeighbourIndex.action(() -> {
        result.write().parquet(staged.stagingPath());
        return null;
      });
      JobException.input(() -> {
        staged.publish();
        return null;
      });
      rows = NeighbourIndex.action(() -> session.read().parquet(request.output()).count());
    } finally {
      staged.discard();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    String what = request.threshold() != null ? "near-duplicate pairs within " + request.threshold()
        : "neighbour lists (k=" + request.k() + ")";
    out.println(String.format(Locale.ROOT, "wrote %d %s to %s in %.1f s (%s search)", rows, what, request.output(),
        seconds, request.exact() ? "exact" : "index, nprobe " + request.nprobe() + ", ef " + request.efSearch()));
    if (request.reportDir() != null) {
      Dataset<Row> written = session.read().parquet(request.output());
      JobException.input(() -> {
        Gallery.write(written, request.threshold() != null, request.reportDir(), conf, metadata.seed());
        return null;
      });
      out.println("report: " + new Path(request.reportDir(), Gallery.INDEX));
    }
    return ExitCodes.SUCCESS;
  }

  /** Refuses an existing output without {@code --overwrite} (exit 2), before any work. */
  static void checkTarget(String output, boolean overwrite, Configuration conf) {
    boolean exists = JobException.input(() -> {
      Path target = new Path(output);
      return target.getFileSystem(conf).exists(target);
    });
    if (exists && !overwrite) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, output + " exists: give " + NeighboursArgs.OVERWRITE
          + " to replace it");
    }
    if (exists) {
      try {
        StagedOutput.checkReplaceable(output, conf);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        throw new JobException(ExitCodes.BAD_ARGUMENTS, NeighboursArgs.OVERWRITE + " " + JobException.describe(e), e);
      } catch (java.io.IOException e) {
        throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(e), e);
      }
    }
  }

  /** The query table's items, checked against the index's dimension. */
  static JavaRDD<Item> queries(String location, NeighbourIndex index) {
    EmbeddingTable table = EmbeddingTable.open(SparkSession.active(), location);
    if (table.dimension() != index.metadata().dimension()) {
      throw new JobException(ExitCodes.BAD_INPUT, "embedding dimensions differ: " + table.dimension() + "!="
          + index.metadata().dimension() + " (queries " + location + " against index " + index.location() + ")");
    }
    return table.items(index.metric());
  }

  private Dataset<Row> neighbourTable(JavaRDD<Item> queries, JavaPairRDD<Long, Hits> hits, VectorMetric metric) {
    JavaRDD<Row> rows = queries.mapToPair(q -> new Tuple2<>(q.id(), new String[] {q.path(), q.label()}))
        .join(hits).map(joined -> {
          Hits h = joined._2()._2();
          Long[] ids = new Long[h.size()];
          String[] paths = new String[h.size()];
          String[] labels = new String[h.size()];
          Double[] distances = new Double[h.size()];
          for (int i = 0; i < h.size(); i++) {
            ids[i] = h.id(i);
            paths[i] = h.path(i);
            labels[i] = h.label(i);
            distances[i] = metric.fromSquared(h.squared(i));
          }
          String[] query = joined._2()._1();
          return RowFactory.create(joined._1(), query[0], query[1], ids, paths, labels, distances);
        });
    return session.createDataFrame(rows, NEIGHBOURS);
  }

  private Dataset<Row> pairs(QueryRequest request, NeighbourIndex index, JavaRDD<Item> indexed) {
    VectorMetric metric = index.metric();
    double maxSquared = metric.toSquared(request.threshold());
    JavaRDD<ExactSearch.Pair> pairs;
    if (request.exact()) {
      pairs = ExactSearch.pairsWithin(indexed, maxSquared, ExactSearch.DEFAULT_BLOCK_ROWS);
    } else {
      JavaRDD<Item> items = indexed.persist(StorageLevel.MEMORY_AND_DISK());
      JavaPairRDD<Long, Item> byId = items.mapToPair(i -> new Tuple2<>(i.id(), new Item(i.id(), i.path(), i.label(),
          null)));
      pairs = index.search(spark, items, request.k(), request.nprobe(), request.efSearch(), true).join(byId)
          .flatMap(found -> {
            Hits h = found._2()._1();
            Item query = found._2()._2();
            List<ExactSearch.Pair> within = new ArrayList<>();
            for (int i = 0; i < h.size() && h.squared(i) <= maxSquared; i++) {
              within.add(new ExactSearch.Pair(query, new Item(h.id(i), h.path(i), h.label(i), null), h.squared(i)));
            }
            return within.iterator();
          })
          // A pair found from both of its items is kept once.
          .mapToPair(p -> new Tuple2<>(new Tuple2<>(p.a().id(), p.b().id()), p)).reduceByKey((x, y) -> x).values();
    }
    JavaRDD<Row> rows = pairs.map(p -> RowFactory.create(p.a().id(), p.a().path(), p.a().label(), p.b().id(),
        p.b().path(), p.b().label(), metric.fromSquared(p.squared())));
    return session.createDataFrame(rows, PAIRS);
  }
}
