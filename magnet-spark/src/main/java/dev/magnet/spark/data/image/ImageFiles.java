package dev.magnet.spark.data.image;

import dev.magnet.core.data.ImagePreprocessing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
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
 * <p><b>Symbolic links</b> (local disks) are followed, files and folders alike, and a file is
 * listed under the path of the link that reached it. A link back to a folder above it (a loop) is
 * not followed: {@code java.nio}'s walk detects the cycle by file key, the link is skipped and
 * {@link #loops()} names it, so every file is listed once per path that does not loop. A link to
 * nothing, a link that loops on itself, and a folder that cannot be listed are listed as they are:
 * reading them fails, and the embed job records them as rejects naming why ({@link #contents}).
 * Other kinds of file (FIFOs, sockets, devices) are skipped: reading a FIFO would block. On other
 * file systems the listing is theirs (HDFS resolves no symbolic links by default; object stores
 * have none).
 *
 * <p><b>Size.</b> A file above {@link #MAX_FILE_BYTES} is a reject without being read.
 *
 * <p><b>Splits.</b> Contiguous runs of the sorted listing, balanced by bytes and file count: each
 * file costs its size plus {@link #OPEN_COST_BYTES} (Spark's own rule for file splits, with an open
 * cost for small files rather than Spark's 4 MB, which packs only 32 small files into a task), and
 * there are at least {@code minSplits} splits (enough tasks for every core and for progress lines)
 * and no split costs more than {@link #MAX_SPLIT_BYTES} or holds more than {@link #MAX_SPLIT_FILES}.
 */
public final class ImageFiles extends ListedFiles {
  private static final long serialVersionUID = 1L;
  /** What opening a file costs next to reading it, in bytes: a small file's read is mostly its open. */
  public static final long OPEN_COST_BYTES = 64 * 1024;
  /** A split's largest cost, Spark's default {@code spark.sql.files.maxPartitionBytes}: a retried task redoes at most this. */
  public static final long MAX_SPLIT_BYTES = 128L * 1024 * 1024;
  /** A split's most files: a retried task redoes at most this many decodes. */
  public static final int MAX_SPLIT_FILES = 20_000;
  /**
   * The largest file read, 256 MiB: a file is read whole into the heap of a decode thread, and
   * the largest image the decoder accepts ({@link ImageDecoder#MAX_PIXELS}) is far smaller as a
   * compressed file. A larger file is a reject ({@link RejectReason#TOO_LARGE}), never read.
   */
  public static final long MAX_FILE_BYTES = 256L * 1024 * 1024;

  private final List<String> loops;

  private ImageFiles(String root, String[] paths, long[] sizes, long[] modified, List<String> loops) {
    super(root, paths, sizes, modified);
    this.loops = List.copyOf(loops);
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
    List<String> loops = new ArrayList<>();
    if ("file".equals(qualified.toUri().getScheme())) {
      listLocal(java.nio.file.Path.of(qualified.toUri()), entries, loops);
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
    return new ImageFiles(rootUriPath, paths, sizes, modified, loops);
  }

  /** One listed file. */
  private record Entry(String path, long size, long modified) {}

  /**
   * The local file system walked with java.nio: Hadoop's local {@code listFiles} builds a
   * {@code LocatedFileStatus} per file, whose permissions it reads by running {@code ls} in a
   * new process when Hadoop's native library is absent (as in Spark's distribution): 10,000
   * processes for 10,000 files, measured. Hidden names ('.' or '_') prune whole folders here.
   * Symbolic links are followed, loops skipped into {@code loops} (see the class comment).
   */
  private static void listLocal(java.nio.file.Path root, List<Entry> entries, List<String> loops) throws IOException {
    Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(java.nio.file.Path dir,
          java.nio.file.attribute.BasicFileAttributes attrs) {
        return !dir.equals(root) && isHiddenName(dir) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
            : java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFile(java.nio.file.Path file,
          java.nio.file.attribute.BasicFileAttributes attrs) {
        // A link's own attributes arrive only when its target cannot be read: it will be a reject.
        if ((attrs.isRegularFile() || attrs.isSymbolicLink()) && !isHiddenName(file)) {
          entries.add(new Entry(local(file), attrs.size(), attrs.lastModifiedTime().toMillis()));
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(java.nio.file.Path file, IOException e) {
        if (e instanceof FileSystemLoopException) {
          loops.add(local(file));
        } else if (!isHiddenName(file)) {
          entries.add(new Entry(local(file), 0, 0)); // unreadable: its read fails, naming why
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
  }

  private static String local(java.nio.file.Path file) {
    return new Path("file", null, file.toAbsolutePath().toString()).toString();
  }

  /**
   * The symbolic links that were not followed because they lead back to a folder above them
   * (local disks): their files are listed under the folder's own path.
   */
  public List<String> loops() {
    return loops;
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

  /** Bytes in all files. */
  public long bytes() {
    return Arrays.stream(sizes).sum();
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
    return new ImageFiles(root, p, s, m, loops);
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
  public static final class Split extends ListedFiles {
    private static final long serialVersionUID = 1L;
    private long firstId;

    /** For serialisers. */
    public Split() {}

    Split(String root, long firstId, String[] paths, long[] sizes, long[] modified) {
      super(root, paths, sizes, modified);
      this.firstId = firstId;
    }

    public long id(int i) {
      return firstId + i;
    }

    /** The class folder of file i, or null when it lies directly in the root. */
    public String folder(int i) {
      return folderOf(paths[i], root);
    }
  }

  /** The reject of a file of {@code size} bytes, more than {@link #MAX_FILE_BYTES}. */
  public static DecodeResult.Rejected tooLarge(long size) {
    return new DecodeResult.Rejected(RejectReason.TOO_LARGE, size + " bytes is more than the " + MAX_FILE_BYTES
        + " a file may have");
  }

  /** What {@link #contents} gives: the bytes, or a reject. */
  public record Contents(byte[] bytes, DecodeResult.Rejected rejected) {}

  /**
   * A listed file's bytes for decoding, or the reject that says why there are none: too large
   * (by the listing's size, or by what the read found), gone, a link to nothing, or unreadable
   * (with the file system's message). Never throws for a file's own failure, so one bad file
   * cannot fail the task that reads it.
   *
   * @param listedSize the size the listing saw
   */
  public static Contents contents(String path, long listedSize, Configuration conf) {
    if (listedSize > MAX_FILE_BYTES) {
      return new Contents(null, tooLarge(listedSize));
    }
    try {
      byte[] bytes = read(path, conf);
      if (bytes != null) {
        return new Contents(bytes, null);
      }
      boolean link = "file".equals(new Path(path).toUri().getScheme())
          && Files.isSymbolicLink(java.nio.file.Path.of(new Path(path).toUri()));
      return new Contents(null, new DecodeResult.Rejected(RejectReason.MISSING, link
          ? "a symbolic link to a file that does not exist" : "the file was listed but is gone"));
    } catch (FileTooLarge e) {
      return new Contents(null, tooLarge(e.size()));
    } catch (IOException e) {
      return new Contents(null, new DecodeResult.Rejected(RejectReason.UNREADABLE, unreadable(path, e)));
    }
  }

  /**
   * A listed file decoded with {@code preprocessing}, or the reject that says why it is not: the
   * one path from a file to pixels, for training and embedding alike.
   *
   * @param listedSize the size the listing saw
   */
  public static DecodeResult decode(String path, long listedSize, Configuration conf,
      ImagePreprocessing preprocessing) {
    Contents contents = contents(path, listedSize, conf);
    return contents.rejected() != null ? contents.rejected() : ImageDecoder.decode(contents.bytes(), preprocessing);
  }

  /** Why a file cannot be read: the file system's reason; for a folder, why it cannot be listed. */
  private static String unreadable(String path, IOException e) {
    Path p = new Path(path);
    if ("file".equals(p.toUri().getScheme())) {
      java.nio.file.Path local = java.nio.file.Path.of(p.toUri());
      if (Files.isDirectory(local)) {
        try (var listing = Files.newDirectoryStream(local)) {
          return "a folder that could not be listed (it can be now: list it again)";
        } catch (IOException listing) {
          return "a folder that cannot be listed: " + reason(listing);
        }
      }
    }
    return reason(e);
  }

  /** An I/O error's reason: java.nio's exceptions hold the path as their message and the reason apart. */
  private static String reason(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** A file grew past {@link #MAX_FILE_BYTES} after it was listed. */
  public static final class FileTooLarge extends IOException {
    private static final long serialVersionUID = 1L;
    private final long size;

    FileTooLarge(String path, long size) {
      super(path + ": " + size + " bytes or more is more than " + MAX_FILE_BYTES);
      this.size = size;
    }

    public long size() {
      return size;
    }
  }

  /**
   * A file's bytes, at most {@link #MAX_FILE_BYTES}. Files of the local file system
   * ({@code file:}) are read with java.nio: Hadoop's checksummed local file system costs about
   * 35 µs more per file in checksum-file lookups and stream wrappers, as much as decoding a 28x28
   * PNG. Others go through Hadoop's {@link FileSystem} (HDFS, S3A, ...), whose instance Hadoop
   * caches per scheme and authority.
   *
   * @return the bytes, or null when the file no longer exists
   * @throws FileTooLarge when it holds more than {@link #MAX_FILE_BYTES}
   */
  public static byte[] read(String path, Configuration conf) throws IOException {
    Objects.requireNonNull(path, "path");
    Path p = new Path(path);
    if ("file".equals(p.toUri().getScheme())) {
      try (SeekableByteChannel channel = Files.newByteChannel(java.nio.file.Path.of(p.toUri()))) {
        long size = channel.size();
        if (size > MAX_FILE_BYTES) {
          throw new FileTooLarge(path, size);
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
          // reads until the size seen at the open; what a writer appends meanwhile is not read
        }
        return bytes.position() == bytes.capacity() ? bytes.array() : Arrays.copyOf(bytes.array(), bytes.position());
      } catch (NoSuchFileException e) {
        return null;
      }
    }
    FileSystem fs = p.getFileSystem(conf);
    try (FSDataInputStream in = fs.open(p)) {
      byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
      if (bytes.length > MAX_FILE_BYTES) {
        throw new FileTooLarge(path, bytes.length);
      }
      return bytes;
    } catch (java.io.FileNotFoundException e) {
      return null;
    }
  }
}
