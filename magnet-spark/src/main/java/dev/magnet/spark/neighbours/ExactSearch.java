package dev.magnet.spark.neighbours;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.matrix.Matrices;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

/**
 * Exact nearest neighbours by blocked brute force on the executors: the ground truth the index is
 * measured against and the search {@code evaluate} uses beyond its driver budget.
 *
 * <p>Each side is cut into blocks of at most {@code blockRows} items (within its partitions); the
 * cartesian product of the blocks is one task per (query block, reference block), which computes
 * the block's distances with the core's kernel ({@link Distances#forEachBlock}: ND4J matrix
 * products in double, {@code ‖x‖² − 2x·c + ‖c‖²} clamped at 0, so the same values as the driver's
 * search) and keeps each query's nearest per block; a reduce by query merges them. Ties in
 * distance go to the smaller id. Memory per task is one pair of blocks and a distance block of
 * {@value Distances#DEFAULT_BLOCK_ROWS} query rows; nothing is collected on the driver.
 */
public final class ExactSearch {
  /** Items per block: 4096 × 64 floats is 1 MB, and a task's distance block 128 × 4096 doubles. */
  public static final int DEFAULT_BLOCK_ROWS = 4096;

  private ExactSearch() {}

  /** How many neighbours a query keeps: the same k for all, or one per query (MAP@R's R). */
  @FunctionalInterface
  public interface Depth extends Serializable {
    int of(Item query);

    /** k for every query. */
    static Depth constant(int k) {
      return query -> k;
    }
  }

  /** A block of items: their ids, paths, labels and vectors, one row each. */
  static final class Block implements Serializable {
    private static final long serialVersionUID = 1L;
    final List<Item> items;
    final float[] flat;
    final int dimension;

    Block(List<Item> items) {
      this.items = items;
      this.dimension = items.get(0).vector().length;
      this.flat = new float[items.size() * dimension];
      for (int i = 0; i < items.size(); i++) {
        float[] v = items.get(i).vector();
        if (v.length != dimension) {
          throw new IllegalArgumentException("embedding dimensions differ: " + v.length + "!=" + dimension);
        }
        System.arraycopy(v, 0, flat, i * dimension, dimension);
      }
    }

    INDArray matrix() {
      return Matrices.fromFloats(flat, items.size(), dimension);
    }
  }

  /** The items cut into blocks of at most {@code blockRows}, within each partition. */
  static JavaRDD<Block> blocks(JavaRDD<Item> items, int blockRows) {
    return items.mapPartitions(partition -> {
      List<Block> blocks = new ArrayList<>();
      List<Item> current = new ArrayList<>(blockRows);
      while (partition.hasNext()) {
        current.add(partition.next());
        if (current.size() == blockRows) {
          blocks.add(new Block(current));
          current = new ArrayList<>(blockRows);
        }
      }
      if (!current.isEmpty()) {
        blocks.add(new Block(current));
      }
      return blocks.iterator();
    });
  }

  /**
   * The nearest references of every query, nearest first: {@code depth.of(query)} of them (fewer
   * when there are fewer references). With {@code excludeSelf} a reference with the query's id is
   * never its neighbour (a search of a set against itself, leave-one-out).
   */
  public static JavaPairRDD<Long, Hits> nearest(JavaRDD<Item> queries, JavaRDD<Item> references, Depth depth,
      boolean excludeSelf, int blockRows, int partitions) {
    JavaRDD<Block> queryBlocks = blocks(queries, blockRows).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Block> referenceBlocks = blocks(references, blockRows).persist(StorageLevel.MEMORY_AND_DISK());
    return queryBlocks.cartesian(referenceBlocks)
        .flatMapToPair(pair -> searchBlock(pair._1(), pair._2(), depth, excludeSelf))
        .reduceByKey(Hits::merge, partitions);
  }

  private static Iterator<Tuple2<Long, Hits>> searchBlock(Block queries, Block references, Depth depth,
      boolean excludeSelf) {
    List<Item> q = queries.items;
    List<Item> r = references.items;
    Hits.Collector[] collectors = new Hits.Collector[q.size()];
    for (int i = 0; i < collectors.length; i++) {
      collectors[i] = Hits.collector(Math.max(1, depth.of(q.get(i))));
    }
    INDArray queryMatrix = queries.matrix();
    INDArray referenceMatrix = references.matrix();
    Distances.forEachBlock(queryMatrix, referenceMatrix, Distances.DEFAULT_BLOCK_ROWS, (block, first) -> {
      for (int b = 0; b < block.length; b++) {
        Item query = q.get(first + b);
        Hits.Collector c = collectors[first + b];
        double[] row = block[b];
        for (int j = 0; j < row.length; j++) {
          Item ref = r.get(j);
          if (excludeSelf && ref.id() == query.id()) {
            continue;
          }
          if (c.competitive(row[j], ref.id())) {
            c.offer(ref.id(), row[j], ref.path(), ref.label());
          }
        }
      }
    });
    queryMatrix.close();
    referenceMatrix.close();
    List<Tuple2<Long, Hits>> out = new ArrayList<>(q.size());
    for (int i = 0; i < collectors.length; i++) {
      out.add(new Tuple2<>(q.get(i).id(), collectors[i].hits()));
    }
    return out.iterator();
  }

  /**
   * Every unordered pair of items within {@code maxSquared} (squared Euclidean between prepared
   * vectors) of each other, once each (smaller id first), never an item with itself.
   */
  public static JavaRDD<Pair> pairsWithin(JavaRDD<Item> items, double maxSquared, int blockRows) {
    JavaRDD<Block> blocks = blocks(items, blockRows).persist(StorageLevel.MEMORY_AND_DISK());
    return blocks.cartesian(blocks).flatMap(pair -> {
      List<Pair> found = new ArrayList<>();
      List<Item> q = pair._1().items;
      List<Item> r = pair._2().items;
      INDArray a = pair._1().matrix();
      INDArray b = pair._2().matrix();
      Distances.forEachBlock(a, b, Distances.DEFAULT_BLOCK_ROWS, (block, first) -> {
        for (int i = 0; i < block.length; i++) {
          Item x = q.get(first + i);
          for (int j = 0; j < block[i].length; j++) {
            Item y = r.get(j);
            // Each unordered pair once: in the block pair whose query side holds the smaller id.
            if (x.id() < y.id() && block[i][j] <= maxSquared) {
              found.add(new Pair(x, y, block[i][j]));
            }
          }
        }
      });
      a.close();
      b.close();
      return found.iterator();
    });
  }

  /** Two items and their squared distance; {@code a} has the smaller id. */
  public static final class Pair implements Serializable {
    private static final long serialVersionUID = 1L;
    private Item a;
    private Item b;
    private double squared;

    /** For serialisers. */
    public Pair() {}

    public Pair(Item a, Item b, double squared) {
      boolean ordered = a.id() < b.id();
      this.a = withoutVector(ordered ? a : b);
      this.b = withoutVector(ordered ? b : a);
      this.squared = squared;
    }

    private static Item withoutVector(Item item) {
      return new Item(item.id(), item.path(), item.label(), null);
    }

    public Item a() {
      return a;
    }

    public Item b() {
      return b;
    }

    public double squared() {
      return squared;
    }
  }
}
