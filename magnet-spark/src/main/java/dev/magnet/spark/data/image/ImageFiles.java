package dev.magnet.spark.data.image;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The files of an image folder tree {@code root/<class>/<file>} (or a flat folder), listed once on
 * the driver in a compact form and cut into splits for the executors, which read the files
 * themselves. Used by {@code embed}; training from image folders reads the same listing.
 *
 * <p><b>Listing.</b> Hadoop's recursive {@code FileSystem.listFiles} (one paged listing on S3A,
 * a tree walk on HDFS; local disks are walked with java.nio, see {@link #listLocal}), into three arrays (path, size, modification
 * time), sorted by path so that ids are stable between runs. That is the only per-file state on
 * the driver: about 50 bytes plus the path's length per file (7 MB for 100,000 local paths),
 * against Spark's own file index (used by its {@code binaryFile} source), which keeps a Hadoop
 * {@code FileStatus} per file, several hundred bytes, in a session-wide cache that outlives the job.
 * As Spark's file sources do, names starting with '.' or '_' are skipped (files and folders).
 *
 * <p><b>Splits.</b> Contiguous runs of the sorted listing, balanced by bytes and file count: each
 * file costs its size plus {@link #OPEN_COST_BYTES} (Spark's own rule for file splits, with an open
 * cost for small files rather than Spark's 4 MB, which packs only 32 small files into a task), and
 * there are at least {@code minSplits} splits (enough tasks for every core and for progress lines)
 * and no split costs more than {@link #MAX_SPLIT_BYTES} or holds more than {@link #MAX_SPLIT_FILES}.
 */
public final class ImageFiles implements Serializable {
  private static final long serialVersionUID = 1L;
  /** What opening a file costs next to reading it, in bytes: a small file's read is mostly its open. */
  public static final long OPEN_COST_BYTES = 64 * 1024;
  /** A split's largest cost, Spark's default {@code spark.sql.files.maxPartitionBytes}: a retried task redoes at most this. */
  public static final long MAX_SPLIT_BYTES = 128L * 1024 * 1024;
  /** A split's most files: a retried task redoes at most this many decodes. */
  public static final int MAX_SPLIT_FILES = 20_000;

  private final String root;
  private final String[] paths;
  private final long[] sizes;
  private final long[] modified;

  private ImageFiles(String root, String[] paths, long[] sizes, long[] modified) {
    this.root = root;
    this.paths = paths;
    this.sizes = sizes;
    this.modified = modified;
  }

  /**
   * Lists the files under {@code root}.
   *
   * @throws java.io.FileNotFoundException naming the path when it does not exist
   */
  public static ImageFiles list(String root, Configuration conf) throws IOException {
    Path rootPath = new Path(root);
    FileSystem fs = rootPath.getFileSystem(conf);
    Path qualified = fs.makeQualified(rootPath);
    if (!fs.exists(qualified)) {
      throw new java.io.FileNotFoundException("Path does not exist: " + qualified);
    }
    String rootUriPath = stripSlash(qualified.toUri().getPath());
    List<Entry> entries = new ArrayList<>();
    if ("file".equals(qualified.toUri().getScheme())) {
      listLocal(java.nio.file.Path.of(qualified.toUri()), entries);
    } else {
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
      while (it.hasNext()) {
        LocatedFileStatus status = it.next();
        if (!hidden(status.getPath().toUri().getPath(), rootUriPath)) {
          entries.add(new Entry(status.getPath().toString(), status.getLen(), status.getModificationTime()));
        }
      }
    }
    entries.sort(Comparator.comparing(Entry::path));
    String[] paths = new String[entries.size()];
    long[] sizes = new long[entries.size()];
    long[] modified = new long[entries.size()];
    for (int i = 0; i < paths.length; i++) {
      Entry e = entries.get(i);
      paths[i] = e.path();
      sizes[i] = e.size();
      modified[i] = e.modified();
    }
    return new ImageFiles(rootUriPath, paths, sizes, modified);
  }

  /** One listed file. */
  private record Entry(String path, long size, long modified) {}

  /**
   * The local file system walked with java.nio: Hadoop's local {@code listFiles} builds a
   * {@code LocatedFileStatus} per file, whose permissions it reads by running {@code ls} in a
   * new process when Hadoop's native library is absent (as in Spark's distribution): 10,000
   * processes for 10,000 files, measured. Hidden names ('.' or '_') prune whole folders here.
   */
  private static void listLocal(java.nio.file.Path root, List<Entry> entries) throws IOException {
    Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(java.nio.file.Path dir,
          java.nio.file.attribute.BasicFileAttributes attrs) {
        return !dir.equals(root) && isHiddenName(dir) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
            : java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFile(java.nio.file.Path file,
          java.nio.file.attribute.BasicFileAttributes attrs) {
        if (attrs.isRegularFile() && !isHiddenName(file)) {
          entries.add(new Entry(new Path("file", null, file.toAbsolutePath().toString()).toString(), attrs.size(),
              attrs.lastModifiedTime().toMillis()));
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
  }

  private static boolean isHiddenName(java.nio.file.Path path) {
    String name = path.getFileName().toString();
    return name.startsWith(".") || name.startsWith("_");
  }

  /** Whether a path has a component below the root that starts with '.' or '_'. */
  static boolean hidden(String path, String rootPath) {
    String below = path.startsWith(rootPath + "/") ? path.substring(rootPath.length() + 1) : path;
    for (String part : below.split("/")) {
      if (part.startsWith(".") || part.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** Files listed. */
  public int size() {
    return paths.length;
  }

  /** Bytes in all files. */
  public long bytes() {
    return Arrays.stream(sizes).sum();
  }

  public String path(int i) {
    return paths[i];
  }

  public long fileSize(int i) {
    return sizes[i];
  }

  public long modified(int i) {
    return modified[i];
  }

  /** The root's path (no scheme, no trailing slash), against which folders are found. */
  public String root() {
    return root;
  }

  /**
   * The first path component of {@code path} below {@code rootPath} (the class folder), or null
   * for a file directly in it.
   */
  public static String folderOf(String path, String rootPath) {
    String file = new Path(path).toUri().getPath();
    String prefix = rootPath + "/";
    if (!file.startsWith(prefix)) {
      return null;
    }
    int slash = file.indexOf('/', prefix.length());
    return slash < 0 ? null : file.substring(prefix.length(), slash);
  }

  /** The listing without the files {@code keep} refuses (an incremental run's done files). */
  public ImageFiles filter(java.util.function.IntPredicate keep) {
    int[] kept = java.util.stream.IntStream.range(0, paths.length).filter(keep).toArray();
    String[] p = new String[kept.length];
    long[] s = new long[kept.length];
    long[] m = new long[kept.length];
    for (int i = 0; i < kept.length; i++) {
      p[i] = paths[kept[i]];
      s[i] = sizes[kept[i]];
      m[i] = modified[kept[i]];
    }
    return new ImageFiles(root, p, s, m);
  }

  /**
   * The listing cut into splits (see the class comment).
   *
   * @param minSplits at least this many splits (fewer only when there are fewer files)
   * @param firstId the id of the first file; file i gets {@code firstId + i}
   */
  public List<Split> splits(int minSplits, long firstId) {
    if (minSplits < 1) {
      throw new IllegalArgumentException("minSplits must be positive; minSplits=" + minSplits);
    }
    int n = paths.length;
    long total = 0;
    for (long size : sizes) {
      total += size + OPEN_COST_BYTES;
    }
    long bySplits = (total + minSplits - 1) / minSplits;
    long target = Math.max(1, Math.min(MAX_SPLIT_BYTES, bySplits));
    int maxFiles = Math.min(MAX_SPLIT_FILES, Math.max(1, (n + minSplits - 1) / minSplits));
    List<Split> splits = new ArrayList<>();
    int start = 0;
    long cost = 0;
    for (int i = 0; i < n; i++) {
      long c = sizes[i] + OPEN_COST_BYTES;
      if (i > start && (cost + c > target || i - start >= maxFiles)) {
        splits.add(split(start, i, firstId));
        start = i;
        cost = 0;
      }
      cost += c;
    }
    if (n > start) {
      splits.add(split(start, n, firstId));
    }
    return splits;
  }

  private Split split(int from, int to, long firstId) {
    return new Split(root, firstId + from, Arrays.copyOfRange(paths, from, to), Arrays.copyOfRange(sizes, from, to),
        Arrays.copyOfRange(modified, from, to));
  }

  /**
   * A run of files that one task reads: the element of its partition.
   *
   * <p>A plain class: Spark's serialisers set fields reflectively.
   */
  public static final class Split implements Serializable {
    private static final long serialVersionUID = 1L;
    private String root;
    private long firstId;
    private String[] paths;
    private long[] sizes;
    private long[] modified;

    /** For serialisers. */
    public Split() {}

    Split(String root, long firstId, String[] paths, long[] sizes, long[] modified) {
      this.root = root;
      this.firstId = firstId;
      this.paths = paths;
      this.sizes = sizes;
      this.modified = modified;
    }

    public int size() {
      return paths.length;
    }

    public long id(int i) {
      return firstId + i;
    }

    public String path(int i) {
      return paths[i];
    }

    public long fileSize(int i) {
      return sizes[i];
    }

    public long modified(int i) {
      return modified[i];
    }

    /** The class folder of file i, or null when it lies directly in the root. */
    public String folder(int i) {
      return folderOf(paths[i], root);
    }
  }

  /**
   * A file's bytes. Files of the local file system ({@code file:}) are read with java.nio: Hadoop's
   * checksummed local file system costs about 35 µs more per file in checksum-file lookups and
   * stream wrappers, as much as decoding a 28x28 PNG. Others go through Hadoop's {@link FileSystem}
   * (HDFS, S3A, ...), whose instance Hadoop caches per scheme and authority.
   *
   * @return the bytes, or null when the file no longer exists
   */
  public static byte[] read(String path, Configuration conf) throws IOException {
    Objects.requireNonNull(path, "path");
    Path p = new Path(path);
    if ("file".equals(p.toUri().getScheme())) {
      try {
        return Files.readAllBytes(java.nio.file.Path.of(p.toUri()));
      } catch (NoSuchFileException e) {
        return null;
      }
    }
    FileSystem fs = p.getFileSystem(conf);
    try (FSDataInputStream in = fs.open(p)) {
      return in.readAllBytes();
    } catch (java.io.FileNotFoundException e) {
      return null;
    }
  }
}
