package dev.magnet.spark.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The two atomic operations a {@link PublishDirectory} is built on, on a file system that has them:
 * renaming a directory only if the target does not exist (the commit of a version), and replacing a
 * file by another (the {@code LATEST} pointer). A file system without them is refused.
 *
 * <ul>
 *   <li>The local file system (and NFS mounted locally): through {@code java.nio}, as rename(2)
 *       refuses a non-empty target directory and replaces a file atomically. Hadoop's local file
 *       system checks existence and then renames, which is not atomic.
 *   <li>HDFS, and any scheme listed in {@value #SCHEMES_KEY}: through {@link FileContext#rename}
 *       without and with {@link Options.Rename#OVERWRITE}, which the name node performs
 *       atomically.
 *   <li>Anything else is refused, s3a above all: S3A's rename copies each object and then deletes
 *       the source, and Hadoop 3.3's S3A has no conditional write, so nothing can arbitrate
 *       between two publishers. See docs/reliability.md.
 * </ul>
 */
abstract class AtomicMoves {
  /**
   * Hadoop configuration key: the schemes, besides the local file system, whose FileContext rename
   * is atomic and refuses an existing target (with Spark: {@code --conf spark.hadoop.KEY=hdfs,gs}).
   */
  static final String SCHEMES_KEY = "magnet.publish.atomic-schemes";
  /** HDFS: the name node renames atomically. */
  static final String DEFAULT_SCHEMES = "hdfs";
  private static final String TEMPORARY_INFIX = ".tmp-";
  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Whether {@code name} is a temporary file that {@link #replace} of {@code file} writes, and a kill may leave. */
  static boolean isTemporary(String name, String file) {
    String prefix = "." + file + TEMPORARY_INFIX;
    return name.startsWith(prefix) && UUID_TEXT.matcher(name.substring(prefix.length())).matches();
  }

  private static String temporaryName(String file) {
    return "." + file + TEMPORARY_INFIX + UUID.randomUUID();
  }

  /** Renames directory {@code from} to {@code to} atomically; false, touching nothing, when {@code to} exists. */
  abstract boolean renameNoReplace(Path from, Path to) throws IOException;

  /** Writes {@code file} with {@code content} as one step: a reader sees the old content or the new, whole. */
  abstract void replace(Path file, byte[] content) throws IOException;

  /**
   * The atomic operations of {@code fs}, holding {@code root}.
   *
   * @throws IllegalArgumentException naming the file system when it has none
   */
  static AtomicMoves of(FileSystem fs, Path root, Configuration conf) {
    if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
      return new Local(fs);
    }
    String scheme = root.toUri().getScheme();
    Set<String> atomic = Arrays.stream(conf.get(SCHEMES_KEY, DEFAULT_SCHEMES).split(","))
        .map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    if (scheme != null && atomic.contains(scheme.toLowerCase(Locale.ROOT))) {
      return new Hadoop(fs, conf);
    }
    String why = scheme != null && scheme.startsWith("s3")
        ? "; " + scheme + ":// renames by copying each file, so two publishers could both write one version, or a"
            + " killed one leave half a version"
        : ", which " + scheme + ":// is not known to have";
    throw new IllegalArgumentException("cannot publish to " + root + ": a publish directory needs a file system whose"
        + " rename is atomic and refuses an existing target" + why + "; publish to hdfs:// or a local (or NFS) path"
        + " and copy versions to the object store for serving, or, for a file system whose rename is atomic, add its"
        + " scheme to the Hadoop setting " + SCHEMES_KEY + " (docs/reliability.md)");
  }

  /** {@code java.nio} on the local file system. */
  private static final class Local extends AtomicMoves {
    private final FileSystem fs;

    Local(FileSystem fs) {
      this.fs = fs;
    }

    @Override
    boolean renameNoReplace(Path from, Path to) throws IOException {
      java.nio.file.Path target = file(to);
      try {
        // rename(2): an existing non-empty directory is refused; an empty one holds nothing to lose.
        Files.move(file(from), target, StandardCopyOption.ATOMIC_MOVE);
        return true;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        return false;
      } catch (java.nio.file.FileSystemException e) {
        if (Files.exists(target)) {
          return false; // a file where the directory would go (ENOTDIR)
        }
        throw e;
      }
    }

    @Override
    void replace(Path file, byte[] content) throws IOException {
      java.nio.file.Path target = file(file);
      java.nio.file.Path temporary = target.resolveSibling(temporaryName(target.getFileName().toString()));
      try {
        Files.write(temporary, content, StandardOpenOption.CREATE_NEW);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temporary);
      }
    }

    private java.nio.file.Path file(Path path) {
      return fs instanceof LocalFileSystem local ? local.pathToFile(path).toPath()
          : ((RawLocalFileSystem) fs).pathToFile(path).toPath();
    }
  }

  /** Hadoop's FileContext, whose renames HDFS performs atomically on the name node. */
  private static final class Hadoop extends AtomicMoves {
    private final FileSystem fs;
    private final Configuration conf;

    Hadoop(FileSystem fs, Configuration conf) {
      this.fs = fs;
      this.conf = conf;
    }

    @Override
    boolean renameNoReplace(Path from, Path to) throws IOException {
      try {
        context().rename(from, to, Options.Rename.NONE);
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      }
    }

    @Override
    void replace(Path file, byte[] content) throws IOException {
      Path temporary = new Path(file.getParent(), temporaryName(file.getName()));
      try {
        try (OutputStream out = fs.create(temporary, false)) {
          out.write(content);
        }
        context().rename(temporary, file, Options.Rename.OVERWRITE);
      } finally {
        if (fs.exists(temporary)) {
          fs.delete(temporary, false);
        }
      }
    }

    private FileContext context() throws IOException {
      return FileContext.getFileContext(fs.getUri(), conf);
    }
  }
}
