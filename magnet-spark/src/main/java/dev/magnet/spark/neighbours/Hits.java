package dev.magnet.spark.neighbours;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The nearest items found for one query so far, nearest first, at most {@code k}: what a search of
 * one partition (an index list, or a block of the exact search) gives and what merging two such
 * results keeps. Equal distances are ordered by id, so a merge gives the same result whatever the
 * order partitions finish in. Distances are squared Euclidean between prepared vectors.
 */
public final class Hits implements Serializable {
  private static final long serialVersionUID = 1L;

  private long[] ids;
  private double[] squared;
  private String[] paths;
  private String[] labels;
  /** The most hits kept (k). */
  private int capacity;

  /** For serialisers. */
  public Hits() {}

  Hits(long[] ids, double[] squared, String[] paths, String[] labels, int capacity) {
    this.capacity = capacity;
    this.ids = ids;
    this.squared = squared;
    this.paths = paths;
    this.labels = labels;
  }

  /** No hits. */
  public static Hits none() {
    return new Hits(new long[0], new double[0], new String[0], new String[0], 1);
  }

  public int size() {
    return ids.length;
  }

  public long id(int rank) {
    return ids[rank];
  }

  /** The squared Euclidean distance of the hit at {@code rank} (between prepared vectors). */
  public double squared(int rank) {
    return squared[rank];
  }

  public String path(int rank) {
    return paths[rank];
  }

  public String label(int rank) {
    return labels[rank];
  }

  /** A builder that keeps the {@code k} nearest candidates offered to it. */
  public static Collector collector(int k) {
    return new Collector(k);
  }

  /** The most hits this result keeps. */
  public int capacity() {
    return capacity;
  }

  /** The nearest of both (as many as the larger capacity), nearest first, ties by id; an id in both is kept once. */
  public Hits merge(Hits other) {
    Collector c = new Collector(Math.max(capacity, other.capacity));
    for (int i = 0; i < size(); i++) {
      c.offer(ids[i], squared[i], paths[i], labels[i]);
    }
    for (int i = 0; i < other.size(); i++) {
      if (!contains(other.ids[i])) {
        c.offer(other.ids[i], other.squared[i], other.paths[i], other.labels[i]);
      }
    }
    return c.hits();
  }

  private boolean contains(long id) {
    for (long own : ids) {
      if (own == id) {
        return true;
      }
    }
    return false;
  }

  /** True when candidate (a, da) ranks before (b, db): nearer, then smaller id. */
  static boolean before(double da, long a, double db, long b) {
    return da < db || (da == db && a < b);
  }

  /**
   * Keeps the k best candidates in a bounded max-heap (the worst on top), O(log k) an offer.
   * Not thread-safe; one per query.
   */
  public static final class Collector {
    private final int k;
    private final long[] ids;
    private final double[] squared;
    private final String[] paths;
    private final String[] labels;
    private int size;

    Collector(int k) {
      if (k <= 0) {
        throw new IllegalArgumentException("k must be positive; k=" + k);
      }
      this.k = k;
      this.ids = new long[k];
      this.squared = new double[k];
      this.paths = new String[k];
      this.labels = new String[k];
    }

    /** True when a candidate at this distance and id would be kept. */
    public boolean competitive(double distance, long id) {
      return size < k || before(distance, id, squared[0], ids[0]);
    }

    /** Offers one candidate. */
    public void offer(long id, double distance, String path, String label) {
      if (size < k) {
        set(size, id, distance, path, label);
        up(size++);
      } else if (before(distance, id, squared[0], ids[0])) {
        set(0, id, distance, path, label);
        down();
      }
    }

    /** The kept candidates, nearest first. */
    public Hits hits() {
      Integer[] order = new Integer[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> before(squared[a], ids[a], squared[b], ids[b]) ? -1
          : (ids[a] == ids[b] ? 0 : 1));
      long[] i2 = new long[size];
      double[] d2 = new double[size];
      String[] p2 = new String[size];
      String[] l2 = new String[size];
      for (int i = 0; i < size; i++) {
        i2[i] = ids[order[i]];
        d2[i] = squared[order[i]];
        p2[i] = paths[order[i]];
        l2[i] = labels[order[i]];
      }
      return new Hits(i2, d2, p2, l2, k);
    }

    private void set(int at, long id, double distance, String path, String label) {
      ids[at] = id;
      squared[at] = distance;
      paths[at] = path;
      labels[at] = label;
    }

    /** Heap order: the parent ranks after (is worse than) its children. */
    private boolean worse(int a, int b) {
      return before(squared[b], ids[b], squared[a], ids[a]);
    }

    private void up(int i) {
      while (i > 0) {
        int parent = (i - 1) / 2;
        if (!worse(i, parent)) {
          return;
        }
        swap(i, parent);
        i = parent;
      }
    }

    private void down() {
      int i = 0;
      while (true) {
        int worst = i;
        int left = 2 * i + 1;
        int right = left + 1;
        if (left < size && worse(left, worst)) {
          worst = left;
        }
        if (right < size && worse(right, worst)) {
          worst = right;
        }
        if (worst == i) {
          return;
        }
        swap(i, worst);
        i = worst;
      }
    }

    private void swap(int a, int b) {
      long id = ids[a];
      ids[a] = ids[b];
      ids[b] = id;
      double d = squared[a];
      squared[a] = squared[b];
      squared[b] = d;
      swap(paths, a, b);
      swap(labels, a, b);
    }

    private static <T> void swap(T[] array, int a, int b) {
      T t = array[a];
      array[a] = array[b];
      array[b] = t;
    }
  }
}
