package dev.magnet.spark.neighbours;

import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import scala.Tuple2;

/**
 * An opened index: its metadata on the driver, its lists read by the executors. A search routes
 * each query to the {@code nprobe} lists whose centroids are nearest (one shuffle of the queries,
 * partitioned by list), searches each list's graph in the task that read it, and merges each
 * query's hits by a reduce (docs/design.md, "The neighbour index").
 *
 * @param location the index directory
 * @param metadata its metadata, as {@link #open} read and checked it
 * @param metric the metric it was built with
 */
public record NeighbourIndex(String location, IndexMetadata metadata, VectorMetric metric) {
  /** Opens the index at {@code location}; a missing, partial or corrupt one is exit status 3. */
  public static NeighbourIndex open(String location, Configuration conf) {
    IndexMetadata metadata = JobException.input(() -> IndexDirectory.open(location, conf));
    VectorMetric metric = JobException.input(() -> IndexDirectory.metric(metadata, location));
    return new NeighbourIndex(location, metadata, metric);
  }

  /** The lists nearest to {@code vector}, nearest first (ties by list number). */
  static int[] nearestLists(float[][] centroids, float[] vector, int nprobe) {
    Hits.Collector nearest = Hits.collector(Math.min(nprobe, centroids.length));
    for (int c = 0; c < centroids.length; c++) {
      nearest.offer(c, VectorMetric.squared(vector, centroids[c]), null, null);
    }
    Hits hits = nearest.hits();
    int[] lists = new int[hits.size()];
    for (int i = 0; i < lists.length; i++) {
      lists[i] = (int) hits.id(i);
    }
    return lists;
  }

  private Broadcast<SerializableConfiguration> conf(JavaSparkContext spark) {
    return spark.broadcast(new SerializableConfiguration(spark.hadoopConfiguration()));
  }

  /** The indexed items, one partition per list, read by the executors. */
  public JavaRDD<Item> items(JavaSparkContext spark) {
    Broadcast<SerializableConfiguration> conf = conf(spark);
    List<ListFile> files = metadata.lists();
    String index = location;
    int dimension = metadata.dimension();
    return spark.parallelize(IntStream.range(0, files.size()).boxed().toList(), files.size()).flatMap(list -> {
      IndexList read = IndexList.read(IndexDirectory.listPath(index, files.get(list).file()), dimension,
          conf.value().value());
      List<Item> items = new ArrayList<>(read.size());
      for (int i = 0; i < read.size(); i++) {
        items.add(read.item(i));
      }
      return items.iterator();
    });
  }

  /**
   * The {@code k} nearest indexed items of each query (prepared vectors), searching the
   * {@code nprobe} nearest lists with a beam of {@code efSearch}; with {@code excludeSelf} an item
   * is never its own neighbour.
   */
  public JavaPairRDD<Long, Hits> search(JavaSparkContext spark, JavaRDD<Item> queries, int k, int nprobe,
      int efSearch, boolean excludeSelf) {
    Broadcast<SerializableConfiguration> conf = conf(spark);
    Broadcast<float[][]> centroids = spark.broadcast(metadata.centroids());
    List<ListFile> files = metadata.lists();
    String index = location;
    int dimension = metadata.dimension();
    int lists = files.size();
    return queries.flatMapToPair(query -> {
      List<Tuple2<Integer, Item>> routed = new ArrayList<>(nprobe);
      for (int list : nearestLists(centroids.value(), query.vector(), nprobe)) {
        routed.add(new Tuple2<>(list, query));
      }
      return routed.iterator();
    }).partitionBy(new HashPartitioner(lists)).mapPartitionsWithIndex((list, routed) -> {
      List<Tuple2<Long, Hits>> found = new ArrayList<>();
      if (!routed.hasNext()) {
        return found.iterator();
      }
      IndexList read = IndexList.read(IndexDirectory.listPath(index, files.get(list).file()), dimension,
          conf.value().value());
      while (routed.hasNext()) {
        Item query = routed.next()._2();
        found.add(new Tuple2<>(query.id(), ListGraphs.search(read, query.vector(), k, efSearch,
            excludeSelf ? query.id() : Long.MIN_VALUE)));
      }
      return found.iterator();
    }, true).mapToPair(found -> found).reduceByKey(Hits::merge);
  }

  /**
   * Runs a Spark action: an index file found corrupt by an executor (its checksum, its size) is
   * exit status 3 with the executor's message, not a stage failure deep inside Spark.
   */
  public static <T> T action(Supplier<T> action) {
    try {
      return action.get();
    } catch (Exception e) {
      // Scala throws SparkException, a checked exception Java does not see declared.
      String marker = CorruptIndexException.class.getName() + ": ";
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof CorruptIndexException) {
          throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(cause), e);
        }
        String message = cause.getMessage();
        int at = message == null ? -1 : message.indexOf(marker);
        if (at >= 0) {
          // A task's failure as Spark reports it: the executor's exception as text.
          throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(new IOException(
              message.substring(at + marker.length()))), e);
        }
      }
      throw NeighbourIndex.<RuntimeException>rethrow(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E rethrow(Exception e) throws E {
    throw (E) e;
  }
}
