package dev.magnet.spark.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
import org.apache.hadoop.fs.FSDataOutputStreamBuilder;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The atomic operations a {@link PublishDirectory} is built on, on a file system that has them.
 * Either a version is committed by renaming its directory only if the target does not exist
 * ({@link #renameNoReplace}), or, on an object store, by creating one file only if it does not
 * exist ({@link #createNoReplace}, a conditional PUT) and then copying; and a file is replaced by
 * another as one step (the {@code LATEST} pointer). A file system with neither is refused.
 *
 * <ul>
 *   <li>The local file system (and NFS mounted locally): through {@code java.nio}, as rename(2)
 *       refuses a non-empty target directory and replaces a file atomically. Hadoop's local file
 *       system checks existence and then renames, which is not atomic.
 *   <li>HDFS, and any scheme listed in {@value #SCHEMES_KEY}: through {@link FileContext#rename}
 *       without and with {@link Options.Rename#OVERWRITE}, which the name node performs
 *       atomically.
 *   <li>S3 through S3A ({@code s3a://}), and any file system that declares the path capability
 *       {@value #CONDITIONAL_CREATE} (Hadoop's name for an atomic create-if-absent): S3A's rename
 *       copies each object, but S3 takes {@code If-None-Match: *} on a PUT (since August 2024)
 *       and refuses it with 412 when the key exists. The create goes through
 *       {@link FileSystem#createFile} with that option where the file system declares it (S3A from
 *       Hadoop 3.4.2), else through Hadoop 3.3's S3A client ({@link S3ConditionalPut}). A single
 *       PUT replaces the pointer: S3 never shows half an object.
 *   <li>Anything else is refused. See docs/reliability.md.
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
  /**
   * Hadoop's {@code createFile()} option, and the path capability declaring it, of a create that
   * writes the file only if none exists, atomically ({@code Options.CreateFileOptionKeys} from
   * Hadoop 3.4.2, HADOOP-19256).
   */
  static final String CONDITIONAL_CREATE = "fs.option.create.conditional.overwrite";
  /** The scheme of Hadoop's S3 connector. */
  static final String S3A = "s3a";
  private static final String TEMPORARY_INFIX = ".tmp-";
  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Whether {@code name} is a temporary file that {@link #replace} of {@code file} writes, and a kill may leave. */
  static boolean isTemporary(String name, String file) {
    String prefix = "." + file + TEMPORARY_INFIX;
    return name.startsWith(prefix) && UUID_TEXT.matcher(name.substring(prefix.length())).matches();
  }

  /** The file system the moves are made on. */
  final FileSystem fs;

  private AtomicMoves(FileSystem fs) {
    this.fs = fs;
  }

  private static String temporaryName(String file) {
    return "." + file + TEMPORARY_INFIX + UUID.randomUUID();
  }

  /**
   * Whether a version is committed by renaming its directory (HDFS, local); false on an object
   * store, where it is committed by {@link #createNoReplace} of its record and then copied.
   */
  boolean renamesDirectories() {
    return true;
  }

  /** Renames directory {@code from} to {@code to} atomically; false, touching nothing, when {@code to} exists. */
  boolean renameNoReplace(Path from, Path to) throws IOException {
    throw new UnsupportedOperationException("renames are copies here: " + to);
  }

  /**
   * Creates {@code file} holding {@code content} only if no file of that name exists, as one
   * atomic step; false, touching nothing, when one does. Only where {@link #renamesDirectories}
   * is false.
   */
  boolean createNoReplace(Path file, byte[] content) throws IOException {
    throw new UnsupportedOperationException("versions are committed by renaming here: " + file);
  }

  /**
   * Checks, with a scratch object at {@code probe}, that the store really refuses a second
   * {@link #createNoReplace} of a key: an S3-compatible endpoint that ignores
   * {@code If-None-Match} answers every conditional PUT with success, and two publishers would
   * then both claim one version. The probe is deleted; a kill can leave it, so put it where the
   * run's leftovers are removed.
   *
   * @throws IllegalArgumentException naming {@code root} when the store overwrote the probe
   */
  void checkCreateNoReplace(Path probe, Path root) throws IOException {
    throw new UnsupportedOperationException("versions are committed by renaming here: " + root);
  }

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
    if (declaresConditionalCreate(fs, root)) {
      return new ObjectStore(fs, How.BUILDER);
    }
    if (S3A.equalsIgnoreCase(scheme) && isS3A(fs)) {
      try {
        S3ConditionalPut.checkAvailable(fs, root);
      } catch (LinkageError e) { // an S3A without the AWS SDK v1 that S3ConditionalPut is compiled against
        throw new IllegalArgumentException("cannot publish to " + root + ": its S3A offers neither the createFile"
            + " option " + CONDITIONAL_CREATE + " (Hadoop 3.4.2 and later) nor the AWS SDK v1 client of Hadoop 3.3 ("
            + e + "); use a Hadoop with either (docs/reliability.md)", e);
      }
      return new ObjectStore(fs, How.S3A_CLIENT);
    }
    String why = scheme != null && scheme.startsWith("s3")
        ? "; " + scheme + ":// renames by copying each file, and this file system (" + fs.getClass().getName()
            + ") offers no create-if-absent (S3A does, through a conditional PUT)"
        : ", which " + scheme + ":// is not known to have";
    throw new IllegalArgumentException("cannot publish to " + root + ": a publish directory needs a file system whose"
        + " rename is atomic and refuses an existing target, or whose create can refuse an existing file atomically"
        + " (S3 through s3a://)" + why + "; publish to hdfs://, s3a:// or a local (or NFS) path, or, for a file system"
        + " whose rename is atomic, add its scheme to the Hadoop setting " + SCHEMES_KEY + " (docs/reliability.md)");
  }

  private static boolean declaresConditionalCreate(FileSystem fs, Path root) {
    try {
      return fs.hasPathCapability(root, CONDITIONAL_CREATE);
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code fs} is Hadoop's S3A, named by class so that no S3A class is loaded elsewhere. */
  private static boolean isS3A(FileSystem fs) {
    for (Class<?> c = fs.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("org.apache.hadoop.fs.s3a.S3AFileSystem")) {
        return true;
      }
    }
    return false;
  }

  /** {@code java.nio} on the local file system. */
  private static final class Local extends AtomicMoves {
    Local(FileSystem fs) {
      super(fs);
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
    private final Configuration conf;

    Hadoop(FileSystem fs, Configuration conf) {
      super(fs);
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

  /**
   * Whether {@code file} holds exactly {@code content}: after a create-if-absent was refused, it
   * tells a retry that saw the object of its own first attempt (whose answer was lost) from
   * another writer's object. Every claim's content is unique (it names its attempt's staging).
   */
  static boolean holds(FileSystem fs, Path file, byte[] content) throws IOException {
    try (InputStream in = fs.open(file)) {
      return Arrays.equals(in.readNBytes(content.length + 1), content);
    }
  }

  /** How an object store's create-if-absent is made. */
  private enum How {
    /** {@code createFile()} with {@value #CONDITIONAL_CREATE}, where the file system declares it. */
    BUILDER,
    /** Hadoop 3.3's S3A, through its own client with the header added ({@link S3ConditionalPut}). */
    S3A_CLIENT
  }

  /**
   * An object store (S3 through S3A): versions are committed by a create-if-absent of one object,
   * and a file is replaced by a single PUT, which S3 applies whole.
   */
  private static final class ObjectStore extends AtomicMoves {
    private final How how;

    ObjectStore(FileSystem fs, How how) {
      super(fs);
      this.how = how;
    }

    @Override
    boolean renamesDirectories() {
      return false;
    }

    @Override
    boolean createNoReplace(Path file, byte[] content) throws IOException {
      if (how == How.S3A_CLIENT) {
        return S3ConditionalPut.putIfAbsent(fs, file, content);
      }
      FSDataOutputStreamBuilder<?, ?> create = fs.createFile(file).overwrite(false).recursive();
      create.must(CONDITIONAL_CREATE, true);
      try (OutputStream out = create.build()) {
        out.write(content);
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException | FileAlreadyExistsException e) {
        return false;
      } catch (IOException e) {
        // S3A reports the 412 of the conditional PUT as RemoteFileChangedException (Hadoop 3.4.2+),
        // and its retries may see the object their own first attempt created: read it back.
        if (!e.getClass().getSimpleName().equals("RemoteFileChangedException")) {
          throw e;
        }
        return holds(fs, file, content);
      }
      return true;
    }

    @Override
    void checkCreateNoReplace(Path probe, Path root) throws IOException {
      byte[] first = ("probe " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.UTF_8);
      byte[] second = ("probe " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.UTF_8);
      try {
        if (!createNoReplace(probe, first)) { // left by a killed attempt of the same run
          fs.delete(probe, false);
          if (!createNoReplace(probe, first)) {
            throw new IOException("cannot create the probe " + probe + " to check conditional writes: it exists");
          }
        }
        if (createNoReplace(probe, second)) {
          throw new IllegalArgumentException("cannot publish to " + root + ": its store accepted a second"
              + " create-if-absent (PUT with If-None-Match: *) of " + probe + " and overwrote the first, so two"
              + " publishers could claim one version; publish to an endpoint with conditional writes (AWS S3 has them"
              + " since August 2024), to hdfs:// or to a local (or NFS) path (docs/reliability.md)");
        }
      } finally {
        fs.delete(probe, false);
      }
    }

    @Override
    void replace(Path file, byte[] content) throws IOException {
      try (OutputStream out = fs.create(file, true)) {
        out.write(content);
      }
    }
  }
}
