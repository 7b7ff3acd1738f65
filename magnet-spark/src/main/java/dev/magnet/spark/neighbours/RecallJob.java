package dev.magnet.spark.neighbours;

import dev.magnet.spark.metrics.PeakMemory;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code neighbours recall}: recall@k of the index against {@link ExactSearch} on a seeded sample
 * of queries, |approximate ∩ exact| / |exact| averaged over the queries. The sample is drawn on
 * the executors (the smallest seeded hashes of the ids); only the sample's size and the
 * threshold hash reach the driver. It also times both searches over the sample.
 */
public final class RecallJob extends SparkJob {
  public RecallJob(SparkSession session, PrintWriter out) {
    super(session, out);
  }

  /** A well-mixed 64-bit hash of an id under a seed (SplittableRandom's mix). */
  static long mix(long id, long seed) {
    long z = id * 0x9E3779B97F4A7C15L + seed;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The items whose seeded hash is among the {@code size} smallest: a seeded sample of exactly min(size, n). */
  static JavaRDD<Item> sample(JavaRDD<Item> items, int size, long seed) {
    List<Long> smallest = items.map(item -> mix(item.id(), seed)).takeOrdered(size);
    long threshold = smallest.get(smallest.size() - 1);
    return items.filter(item -> mix(item.id(), seed) <= threshold);
  }

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(RecallRequest request) {
    JobException.argument(request::check);
    NeighbourIndex index = NeighbourIndex.open(request.index(), conf);
    boolean self = request.queries() == null;
    long candidates = self ? index.metadata().rows() - 1 : index.metadata().rows();
    if (request.k() > candidates) {
      throw new JobException(ExitCodes.BAD_INPUT, "k is larger than the corpus: k=" + request.k() + ", the index "
          + request.index() + " holds " + index.metadata().rows() + " items");
    }
    JavaRDD<Item> indexed = index.items(spark).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Item> pool = self ? indexed : IndexQueryJob.queries(request.queries(), index);
    JavaRDD<Item> queries = NeighbourIndex.action(() -> sample(pool, request.sample(), request.seed()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long sampled = NeighbourIndex.action(queries::count);
    NeighbourIndex.action(indexed::count);
    int k = request.k();
    CpuClock approximateClock = new CpuClock();
    JavaPairRDD<Long, Hits> approximate = index.search(spark, queries, k, request.nprobe(), request.efSearch(), self)
        .persist(StorageLevel.MEMORY_AND_DISK());
    NeighbourIndex.action(approximate::count);
    double approximateWall = approximateClock.wallSeconds();
    double approximateCpu = approximateClock.cpuSeconds();
    CpuClock exactClock = new CpuClock();
    JavaPairRDD<Long, Hits> exact = ExactSearch.nearest(queries, indexed, ExactSearch.Depth.constant(k), self,
        ExactSearch.DEFAULT_BLOCK_ROWS, Math.max(1, queries.getNumPartitions())).persist(StorageLevel.MEMORY_AND_DISK());
    NeighbourIndex.action(exact::count);
    double exactWall = exactClock.wallSeconds();
    double exactCpu = exactClock.cpuSeconds();
    Tuple2<Double, Long> sums = NeighbourIndex.action(() -> exact.leftOuterJoin(approximate).map(pair -> {
      Hits truth = pair._2()._1();
      Set<Long> found = new HashSet<>();
      if (pair._2()._2().isPresent()) {
        Hits h = pair._2()._2().get();
        for (int i = 0; i < h.size(); i++) {
          found.add(h.id(i));
        }
      }
      int hit = 0;
      for (int i = 0; i < truth.size(); i++) {
        hit += found.contains(truth.id(i)) ? 1 : 0;
      }
      return new Tuple2<>(truth.size() == 0 ? 1.0 : (double) hit / truth.size(), 1L);
    }).reduce((a, b) -> new Tuple2<>(a._1() + b._1(), a._2() + b._2())));
    double recall = sums._1() / sums._2();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("index", request.index());
    figures.put("rows", index.metadata().rows());
    figures.put("lists", index.metadata().listCount());
    figures.put("queries", sampled);
    figures.put("k", k);
    figures.put("nprobe", request.nprobe());
    figures.put("ef_search", request.efSearch());
    figures.put("recall_at_k", recall);
    figures.put("index_search_seconds", approximateWall);
    figures.put("index_search_cpu_seconds", approximateCpu);
    figures.put("index_queries_per_second", sampled / approximateWall);
    figures.put("exact_search_seconds", exactWall);
    figures.put("exact_search_cpu_seconds", exactCpu);
    figures.put("peak_memory", PeakMemory.measure(session.sparkContext()));
    out.println(String.format(Locale.ROOT, "recall@%d = %.4f over %d queries (nprobe %d of %d lists, ef %d);"
        + " index search %.1f s (%.1f CPU s, %.0f queries/s), exact search %.1f s (%.1f CPU s)", k, recall, sampled,
        request.nprobe(), index.metadata().listCount(), request.efSearch(), approximateWall, approximateCpu,
        sampled / approximateWall, exactWall, exactCpu));
    FiguresJson.write(request.json(), figures, conf);
    approximate.unpersist();
    exact.unpersist();
    queries.unpersist();
    indexed.unpersist();
    return ExitCodes.SUCCESS;
  }
}
