package dev.magnet.core.model;

import dev.magnet.core.cluster.ClusterIndex;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The binary file of a {@link ClusterIndex} in a model directory: a magic number, a format
 * version, then classes, clusters, dimension, σ² and per cluster its class, size, loss and
 * centroid, all big-endian. Binary because an index of 10k classes × K=8 × 64 dimensions is 5M
 * numbers; the assignment is not stored (inference does not need it).
 */
final class IndexCodec {
  /** "MGIX": tells an index file from anything else at the first four bytes. */
  static final int MAGIC = 0x4D474958;
  static final int VERSION = 1;
  /** Magic, version, classes, clusters, dimension, σ², whether losses are known. */
  private static final long HEADER_BYTES = 5L * Integer.BYTES + Double.BYTES + 1;
  /** Per cluster before its centroid: class, size, loss. */
  private static final long CLUSTER_FIXED_BYTES = Integer.BYTES + Long.BYTES + Double.BYTES;

  private IndexCodec() {}

  static void write(ClusterIndex index, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeInt(index.numClasses());
    data.writeInt(index.numClusters());
    data.writeInt(index.dimension());
    data.writeDouble(index.sigma2());
    data.writeBoolean(index.lossesKnown());
    for (int j = 0; j < index.numClusters(); j++) {
      data.writeInt(index.clusterClass(j));
      data.writeLong(index.clusterSize(j));
      data.writeDouble(index.lossesKnown() ? index.clusterLoss(j) : 0.0);
      for (double v : index.centroid(j)) {
        data.writeDouble(v);
      }
    }
    data.flush();
  }

  /**
   * Reads an index file held in memory. The header's counts are checked against the file's length
   * before anything is allocated, so a corrupt or hostile header is an error naming the file, not an
   * {@code OutOfMemoryError}.
   *
   * @param expectedClasses the number of label names in the model's metadata, which the header must agree with
   */
  static ClusterIndex read(byte[] bytes, String source, int expectedClasses) throws IOException {
    DataInputStream data = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      int magic = data.readInt();
      if (magic != MAGIC) {
        throw new IOException(source + " is not a cluster index file; magic=0x" + Integer.toHexString(magic));
      }
      int version = data.readInt();
      if (version > VERSION) {
        throw new IOException(source + " has index format version " + version
            + ", newer than this Magnet reads (" + VERSION + "); upgrade Magnet");
      }
      int classes = data.readInt();
      int clusters = data.readInt();
      int dim = data.readInt();
      if (classes < 1 || clusters < 1 || dim < 1) {
        throw new IOException(source + " has a corrupt header; classes=" + classes + ", clusters=" + clusters + ", dimension=" + dim);
      }
      long needed = HEADER_BYTES + (long) clusters * (CLUSTER_FIXED_BYTES + (long) dim * Double.BYTES);
      if (needed > bytes.length) {
        throw new IOException(source + " is truncated or has a corrupt header: " + clusters + " clusters of dimension "
            + dim + " need " + needed + " bytes, the file has " + bytes.length);
      }
      if (classes != expectedClasses) {
        throw new IOException(source + " has a corrupt header or belongs to another model: it has " + classes
            + " classes, the model's metadata names " + expectedClasses);
      }
      double sigma2 = data.readDouble();
      boolean lossesKnown = data.readBoolean();
      int[] clusterClass = new int[clusters];
      long[] size = new long[clusters];
      double[] loss = new double[clusters];
      double[][] centroids = new double[clusters][dim];
      for (int j = 0; j < clusters; j++) {
        clusterClass[j] = data.readInt();
        size[j] = data.readLong();
        loss[j] = data.readDouble();
        for (int e = 0; e < dim; e++) {
          centroids[j][e] = data.readDouble();
        }
      }
      ClusterIndex index = ClusterIndex.of(classes, centroids, clusterClass, size, sigma2, null);
      return lossesKnown ? index.withLosses(loss) : index;
    } catch (EOFException e) {
      throw new IOException(source + " is truncated", e);
    } catch (IllegalArgumentException e) {
      throw new IOException(source + " holds an invalid index: " + e.getMessage(), e);
    }
  }
}
