package dev.magnet.spark.neighbours;

import dev.magnet.core.model.MagnetVersion;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.mllib.clustering.KMeans;
import org.apache.spark.mllib.clustering.KMeansModel;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import scala.Tuple2;

/**
 * {@code neighbours build}: an IVF index of HNSW graphs over an embeddings table
 * (docs/design.md, "The neighbour index").
 *
 * <ol>
 *   <li>One pass checks the table ({@link EmbeddingTable#open}).
 *   <li>MLlib's K-means ({@code k-means||}, seeded) on a seeded sample of at most
 *       {@value #KMEANS_SAMPLE} rows gives one centroid per list.
 *   <li>Each item goes to its nearest centroid's list: one shuffle, partitioned by list.
 *   <li>Each task builds its list's HNSW graph with Lucene and writes the list file straight to
 *       the index's staging directory; only its size and checksum return to the driver.
 *   <li>The driver writes {@code metadata.json} and renames the directory into place.
 * </ol>
 *
 * <p>With {@code --incremental} the table's rows whose ids the index lacks are assigned to the
 * existing centroids and inserted into their lists' graphs (Lucene's
 * {@code InitializedHnswGraphBuilder}); lists that gain nothing are copied. The new directory
 * replaces the old one only when complete.
 */
public final class IndexBuildJob extends SparkJob {
  /** Rows K-means trains on at most: FAISS's rule of thumb is 39-256 per centroid; this covers 780 lists at 256. */
  static final int KMEANS_SAMPLE = 200_000;
  /** Lloyd iterations of the coarse K-means: the lists need not be optimal, only balanced and local. */
  static final int KMEANS_ITERATIONS = 20;

  public IndexBuildJob(SparkSession session, PrintWriter out) {
    super(session, out);
  }

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(BuildRequest request) {
    JobException.argument(request::check);
    boolean exists = JobException.input(() -> {
      Path target = new Path(request.output());
      return target.getFileSystem(conf).exists(target);
    });
    if (exists && !request.overwrite() && !request.incremental()) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "the index " + request.output() + " exists: give "
          + NeighboursArgs.OVERWRITE + " to replace it or " + NeighboursArgs.INCREMENTAL + " to add to it");
    }
    if (exists && request.overwrite()) {
      IndexQueryJob.checkTarget(request.output(), true, conf);
    }
    EmbeddingTable table = EmbeddingTable.open(session, request.embeddings());
    long started = System.nanoTime();
    IndexMetadata metadata = exists && request.incremental() ? addTo(request, table) : build(request, table);
    if (metadata == null) {
      return ExitCodes.SUCCESS;
    }
    out.println(String.format(Locale.ROOT, "indexed %d items of dimension %d in %d lists (%s, M=%d, beam %d) in"
        + " %.1f s: %s (generation %d)", metadata.rows(), metadata.dimension(), metadata.listCount(),
        metadata.metric(), metadata.maxConn(), metadata.beamWidth(), (System.nanoTime() - started) / 1e9,
        request.output(), metadata.generation()));
    return ExitCodes.SUCCESS;
  }

  private IndexMetadata build(BuildRequest request, EmbeddingTable table) {
    VectorMetric metric = request.metric();
    JavaRDD<Item> items = table.items(metric).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      float[][] centroids = centroids(items, table.rows(), request.listsFor(table.rows()), request.seed());
      Broadcast<float[][]> shared = spark.broadcast(centroids);
      try {
        JavaPairRDD<Integer, Item> byList = items.mapToPair(
            item -> new Tuple2<>(NeighbourIndex.nearestLists(shared.value(), item.vector(), 1)[0], item));
        return publishStaged(request.output(), staging -> {
          List<ListFile> lists = writeLists(byList, centroids.length, staging, null, null, table.dimension(),
              request.maxConn(), request.beamWidth(), request.seed());
          return new IndexMetadata(IndexDirectory.FORMAT, MagnetVersion.get(), table.model(), table.dimension(),
              EnumSpelling.of(metric), request.maxConn(), request.beamWidth(), request.seed(), table.rows(), 1,
              table.location(), Instant.now().toString(), centroids, lists);
        });
      } finally {
        shared.destroy();
      }
    } finally {
      items.unpersist();
    }
  }

  /**
   * Writes an index directory into a staging sibling of {@code output} ({@code write} writes its
   * lists there and returns its metadata), adds the metadata and publishes the directory whole; a
   * failure leaves {@code output} as it was.
   */
  private IndexMetadata publishStaged(String output, Function<String, IndexMetadata> write) {
    StagedOutput staged = JobException.input(() -> StagedOutput.of(output, conf));
    try {
      IndexMetadata metadata = write.apply(staged.stagingPath());
      JobException.input(() -> {
        IndexDirectory.writeMetadata(staged.stagingPath(), metadata, conf);
        staged.publish();
        return null;
      });
      return metadata;
    } finally {
      staged.discard();
    }
  }

  /** One centroid per list: MLlib K-means on a seeded sample. */
  private float[][] centroids(JavaRDD<Item> items, long rows, int lists, long seed) {
    double fraction = Math.min(1.0, (double) KMEANS_SAMPLE / rows);
    JavaRDD<Vector> sample = (fraction < 1 ? items.sample(false, fraction, seed) : items)
        .map(item -> {
          float[] v = item.vector();
          double[] d = new double[v.length];
          for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
          }
          return Vectors.dense(d);
        }).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      KMeansModel model = new KMeans().setK(lists).setMaxIterations(KMEANS_ITERATIONS).setSeed(seed)
          .run(sample.rdd());
      Vector[] centres = model.clusterCenters();
      float[][] centroids = new float[centres.length][];
      for (int c = 0; c < centres.length; c++) {
        double[] d = centres[c].toArray();
        centroids[c] = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          centroids[c][i] = (float) d[i];
        }
      }
      // A stable list order whatever order MLlib returns its centres in.
      Arrays.sort(centroids, Comparator.comparing(Arrays::toString));
      return centroids;
    } finally {
      sample.unpersist();
    }
  }

  /**
   * Builds (or extends) every list in its own task and writes it to {@code staging}; returns what
   * the metadata records of each. With {@code previous} set, a list's existing items and graph are
   * read from {@code previousIndex} and the new ones inserted; a list without new ones is copied.
   */
  private List<ListFile> writeLists(JavaPairRDD<Integer, Item> byList, int lists, String staging,
      String previousIndex, List<ListFile> previous, int dimension, int maxConn, int beamWidth, long seed) {
    Broadcast<SerializableConfiguration> shipped = spark.broadcast(new SerializableConfiguration(conf));
    List<Tuple2<Integer, long[]>> written;
    try {
      written = NeighbourIndex.action(() -> byList.partitionBy(new HashPartitioner(lists))
          .mapPartitionsWithIndex((list, members) -> {
            Configuration hadoop = shipped.value().value();
            Path file = IndexDirectory.listPath(staging, IndexDirectory.listName(list));
            ListFile result = previous == null
                ? buildList(members, dimension, maxConn, beamWidth, seed + list).write(file, hadoop)
                : extendList(members, IndexDirectory.listPath(previousIndex, previous.get(list).file()), file,
                    previous.get(list), dimension, maxConn, beamWidth, seed + list, hadoop);
            return List.of(new Tuple2<>(list, new long[] {result.items(), result.bytes(), result.crc32()})).iterator();
          }, true).collect());
    } finally {
      shipped.destroy();
    }
    ListFile[] files = new ListFile[lists];
    for (Tuple2<Integer, long[]> w : written) {
      files[w._1()] = new ListFile(IndexDirectory.listName(w._1()), (int) w._2()[0], w._2()[1], w._2()[2]);
    }
    return Arrays.asList(files);
  }

  private static List<Item> sortedById(Iterator<Tuple2<Integer, Item>> members) {
    List<Item> items = new ArrayList<>();
    members.forEachRemaining(m -> items.add(m._2()));
    items.sort(Comparator.comparingLong(Item::id));
    return items;
  }

  /** A list of the members, sorted by id, with their graph. */
  static IndexList buildList(Iterator<Tuple2<Integer, Item>> members, int dimension, int maxConn, int beamWidth,
      long seed) throws IOException {
    return listOf(sortedById(members), dimension,
        vectors -> vectors.length == 0 ? null : ListGraphs.build(vectors, dimension, maxConn, beamWidth, seed));
  }

  private static ListFile extendList(Iterator<Tuple2<Integer, Item>> members, Path previousFile, Path file,
      ListFile previous, int dimension, int maxConn, int beamWidth, long seed, Configuration conf) throws IOException {
    List<Item> added = sortedById(members);
    if (added.isEmpty()) {
      FileSystem fs = file.getFileSystem(conf);
      FileUtil.copy(fs, previousFile, fs, file, false, conf);
      return previous;
    }
    IndexList old = IndexList.read(previousFile, dimension, conf);
    List<Item> items = new ArrayList<>(old.size() + added.size());
    for (int i = 0; i < old.size(); i++) {
      items.add(old.item(i));
    }
    items.addAll(added);
    return listOf(items, dimension, vectors -> old.size() == 0
        ? ListGraphs.build(vectors, dimension, maxConn, beamWidth, seed)
        : ListGraphs.extend(old.graph(), vectors, dimension, maxConn, beamWidth, seed)).write(file, conf);
  }

  /** {@code items}, in their order, as a list's columns, with the graph {@code graph} makes of their vectors. */
  private static IndexList listOf(List<Item> items, int dimension, GraphOf graph) throws IOException {
    long[] ids = new long[items.size()];
    String[] paths = new String[items.size()];
    String[] labels = new String[items.size()];
    float[][] vectors = new float[items.size()][];
    for (int i = 0; i < ids.length; i++) {
      Item item = items.get(i);
      ids[i] = item.id();
      paths[i] = item.path();
      labels[i] = item.label();
      vectors[i] = item.vector();
    }
    return new IndexList(dimension, ids, paths, labels, vectors, graph.of(vectors));
  }

  /** How a list's graph is made of its vectors: built afresh or extended (Lucene's builders throw IOException). */
  private interface GraphOf {
    ArrayHnswGraph of(float[][] vectors) throws IOException;
  }

  /** {@code --incremental}: the rows the index lacks go to their nearest lists; returns null when there are none. */
  private IndexMetadata addTo(BuildRequest request, EmbeddingTable table) {
    NeighbourIndex index = NeighbourIndex.open(request.output(), conf);
    IndexMetadata old = index.metadata();
    if (old.dimension() != table.dimension()) {
      throw new JobException(ExitCodes.BAD_INPUT, "embedding dimensions differ: " + table.dimension() + "!="
          + old.dimension() + " (table " + table.location() + " against index " + request.output() + ")");
    }
    JavaPairRDD<Long, Long> indexed = index.items(spark).mapToPair(item -> new Tuple2<>(item.id(), item.id()));
    JavaRDD<Item> added = table.items(index.metric()).mapToPair(item -> new Tuple2<>(item.id(), item))
        .subtractByKey(indexed).values().persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long count = NeighbourIndex.action(added::count);
      if (count == 0) {
        out.println("the index " + request.output() + " already holds every row of " + table.location()
            + ": nothing to add");
        return null;
      }
      Broadcast<float[][]> shared = spark.broadcast(old.centroids());
      try {
        JavaPairRDD<Integer, Item> byList = added.mapToPair(
            item -> new Tuple2<>(NeighbourIndex.nearestLists(shared.value(), item.vector(), 1)[0], item));
        IndexMetadata metadata = publishStaged(request.output(), staging -> {
          List<ListFile> lists = writeLists(byList, old.listCount(), staging, request.output(), old.lists(),
              old.dimension(), old.maxConn(), old.beamWidth(), old.seed() + 1_000_003L * old.generation());
          return new IndexMetadata(IndexDirectory.FORMAT, MagnetVersion.get(),
              table.model() != null ? table.model() : old.model(), old.dimension(), old.metric(), old.maxConn(),
              old.beamWidth(), old.seed(), old.rows() + count, old.generation() + 1, table.location(),
              Instant.now().toString(), old.centroids(), lists);
        });
        out.println("added " + count + " rows of " + table.location() + " to " + request.output());
        return metadata;
      } finally {
        shared.destroy();
      }
    } finally {
      added.unpersist();
    }
  }

  /** The list numbers 0..n-1 (for tests). */
  static List<Integer> listNumbers(int n) {
    return IntStream.range(0, n).boxed().toList();
  }
}
