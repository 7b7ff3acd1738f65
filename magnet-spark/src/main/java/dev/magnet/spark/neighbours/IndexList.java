package dev.magnet.spark.neighbours;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One list of the index (one IVF partition): its items' ids, paths, labels and prepared vectors,
 * sorted by id, and their HNSW graph, whose node {@code i} is item {@code i}.
 *
 * <p>File format (version {@value #FORMAT}, big-endian): the magic {@code MGNL}, the format
 * version, the dimension and the item count; the ids; each path and label (-1, or a byte length
 * and UTF-8 bytes); the vectors (count × dimension floats); the graph (its levels, entry node,
 * each level's sorted nodes above level 0 and every node's neighbours); then the CRC-32 of all
 * the bytes before it. A truncated, altered or foreign file fails to read with a
 * {@link CorruptIndexException} naming the file.
 */
public final class IndexList {
  /** "MGNL": Magnet neighbour list. */
  static final int MAGIC = 0x4D474E4C;
  /** The version of the file format; a reader refuses any other. */
  static final int FORMAT = 1;

  private final int dimension;
  private final long[] ids;
  private final String[] paths;
  private final String[] labels;
  private final float[][] vectors;
  /** Null for an empty list. */
  private final ArrayHnswGraph graph;

  IndexList(int dimension, long[] ids, String[] paths, String[] labels, float[][] vectors, ArrayHnswGraph graph) {
    if (ids.length != vectors.length || ids.length != paths.length || ids.length != labels.length) {
      throw new IllegalArgumentException("a list needs one id, path, label and vector per item; ids=" + ids.length
          + ", vectors=" + vectors.length);
    }
    if ((graph == null) != (ids.length == 0) || (graph != null && graph.size() != ids.length)) {
      throw new IllegalArgumentException("a list's graph must have one node per item; items=" + ids.length
          + ", graph=" + (graph == null ? "none" : graph.size()));
    }
    this.dimension = dimension;
    this.ids = ids;
    this.paths = paths;
    this.labels = labels;
    this.vectors = vectors;
    this.graph = graph;
  }

  public int size() {
    return ids.length;
  }

  public int dimension() {
    return dimension;
  }

  long id(int node) {
    return ids[node];
  }

  String path(int node) {
    return paths[node];
  }

  String label(int node) {
    return labels[node];
  }

  float[] vector(int node) {
    return vectors[node];
  }

  float[][] vectors() {
    return vectors;
  }

  ArrayHnswGraph graph() {
    return graph;
  }

  /** The item at {@code node}. */
  Item item(int node) {
    return new Item(ids[node], paths[node], labels[node], vectors[node]);
  }

  /** Writes the list; returns its size in bytes and CRC-32, which the metadata records. */
  ListFile write(Path file, Configuration conf) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    CRC32 crc = new CRC32();
    long bytes;
    try (OutputStream raw = fs.create(file, false)) {
      CountingStream counted = new CountingStream(new BufferedOutputStream(raw, 1 << 16));
      DataOutputStream out = new DataOutputStream(new CheckedOutputStream(counted, crc));
      out.writeInt(MAGIC);
      out.writeInt(FORMAT);
      out.writeInt(dimension);
      out.writeInt(ids.length);
      for (long id : ids) {
        out.writeLong(id);
      }
      for (String[] strings : new String[][] {paths, labels}) {
        for (String s : strings) {
          if (s == null) {
            out.writeInt(-1);
          } else {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
          }
        }
      }
      ByteBuffer row = ByteBuffer.allocate(dimension * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
      for (float[] v : vectors) {
        row.clear();
        row.asFloatBuffer().put(v);
        out.write(row.array());
      }
      if (graph != null) {
        out.writeInt(graph.numLevels());
        out.writeInt(graph.entryNode());
        for (int level = 0; level < graph.numLevels(); level++) {
          out.writeInt(graph.levelSize(level));
          if (level > 0) {
            for (int node : graph.nodesOnLevel(level)) {
              out.writeInt(node);
            }
          }
          for (int p = 0; p < graph.levelSize(level); p++) {
            int[] n = graph.neighboursAt(level, p);
            out.writeInt(n.length);
            for (int x : n) {
              out.writeInt(x);
            }
          }
        }
      }
      out.flush();
      long value = crc.getValue();
      DataOutputStream trailer = new DataOutputStream(counted);
      trailer.writeLong(value);
      trailer.flush();
      bytes = counted.count;
    }
    return new ListFile(file.getName(), ids.length, bytes, crc.getValue());
  }

  /**
   * Reads a list file, checking its magic, format, dimension, counts and CRC-32.
   *
   * @throws CorruptIndexException when the file is not a complete list of this dimension
   */
  static IndexList read(Path file, int expectedDimension, Configuration conf) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    CRC32 crc = new CRC32();
    try (InputStream raw = fs.open(file)) {
      InputStream buffered = new BufferedInputStream(raw, 1 << 16);
      DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc));
      if (in.readInt() != MAGIC) {
        throw new CorruptIndexException("not an index list file (bad magic): " + file);
      }
      int format = in.readInt();
      if (format != FORMAT) {
        throw new CorruptIndexException("index list format " + format + " is not " + FORMAT + ": " + file);
      }
      int dimension = in.readInt();
      if (dimension != expectedDimension) {
        throw new CorruptIndexException("embedding dimensions differ: " + dimension + "!=" + expectedDimension
            + " (list file " + file + " against the index metadata)");
      }
      int count = in.readInt();
      if (count < 0) {
        throw new CorruptIndexException("negative item count " + count + ": " + file);
      }
      long[] ids = new long[count];
      for (int i = 0; i < count; i++) {
        ids[i] = in.readLong();
      }
      String[] paths = readStrings(in, count, file);
      String[] labels = readStrings(in, count, file);
      float[][] vectors = new float[count][dimension];
      byte[] row = new byte[dimension * Float.BYTES];
      for (int i = 0; i < count; i++) {
        in.readFully(row);
        ByteBuffer.wrap(row).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(vectors[i]);
      }
      ArrayHnswGraph graph = count == 0 ? null : readGraph(in, count, file);
      long computed = crc.getValue();
      long stored = new DataInputStream(buffered).readLong();
      if (stored != computed) {
        throw new CorruptIndexException("checksum mismatch in " + file + ": the file was altered or damaged");
      }
      if (buffered.read() != -1) {
        throw new CorruptIndexException("trailing bytes after the checksum in " + file);
      }
      return new IndexList(dimension, ids, paths, labels, vectors, graph);
    } catch (EOFException e) {
      throw new CorruptIndexException("index list file is truncated: " + file, e);
    }
  }

  private static String[] readStrings(DataInputStream in, int count, Path file) throws IOException {
    String[] strings = new String[count];
    for (int i = 0; i < count; i++) {
      int length = in.readInt();
      if (length < -1 || length > (1 << 20)) {
        throw new CorruptIndexException("bad string length " + length + " in " + file);
      }
      if (length >= 0) {
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        strings[i] = new String(utf8, StandardCharsets.UTF_8);
      }
    }
    return strings;
  }

  private static ArrayHnswGraph readGraph(DataInputStream in, int count, Path file) throws IOException {
    int levels = in.readInt();
    int entry = in.readInt();
    if (levels <= 0 || levels > 64 || entry < 0 || entry >= count) {
      throw new CorruptIndexException("bad graph header (levels=" + levels + ", entry=" + entry + ") in " + file);
    }
    int[][] nodesOf = new int[levels][];
    int[][][] lists = new int[levels][][];
    for (int level = 0; level < levels; level++) {
      int size = in.readInt();
      if (size < 0 || size > count || (level == 0 && size != count)) {
        throw new CorruptIndexException("bad size " + size + " of graph level " + level + " in " + file);
      }
      if (level > 0) {
        nodesOf[level] = new int[size];
        for (int i = 0; i < size; i++) {
          nodesOf[level][i] = checkedNode(in.readInt(), count, file);
        }
      }
      lists[level] = new int[size][];
      for (int p = 0; p < size; p++) {
        int degree = in.readInt();
        if (degree < 0 || degree > count) {
          throw new CorruptIndexException("bad neighbour count " + degree + " in " + file);
        }
        lists[level][p] = new int[degree];
        for (int j = 0; j < degree; j++) {
          lists[level][p][j] = checkedNode(in.readInt(), count, file);
        }
      }
    }
    return new ArrayHnswGraph(count, entry, nodesOf, lists);
  }

  private static int checkedNode(int node, int count, Path file) throws CorruptIndexException {
    if (node < 0 || node >= count) {
      throw new CorruptIndexException("graph node " + node + " out of range [0, " + count + ") in " + file);
    }
    return node;
  }

  /** Counts the bytes written through it. */
  private static final class CountingStream extends java.io.FilterOutputStream {
    private long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
