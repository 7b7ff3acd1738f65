package dev.magnet.spark.io;

import dev.magnet.core.model.ArtifactStore;
import dev.magnet.core.model.OutputMarker;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory (a Parquet table, a model directory) written into a hidden sibling staging
 * directory ({@code .name.tmp-<uuid>}), which {@link #publish} moves into place only once complete,
 * with an {@link OutputMarker} in it.
 *
 * <p><b>Replacing</b> an existing directory is allowed only when Magnet wrote it
 * ({@link #checkReplaceable}). It is renamed aside ({@code .name.old-<uuid>}), the new one renamed
 * in, and the old one deleted. When the second rename fails, the old directory is renamed back and
 * the new one stays under its staging name, which the error gives: nothing is deleted. After a
 * success, the hidden siblings that interrupted writes of the same path left behind are deleted (so
 * two concurrent writers of one path are not supported: the later may find its staging gone).
 *
 * <p>On HDFS and the local file system each rename is atomic, so a process killed at any point
 * leaves the target either old or new and whole. On an object store (s3a) a rename is a copy of
 * each file, then a delete: a kill can leave a partial target, but the complete old or new
 * directory is still under its hidden name until the next successful write of the path replaces
 * both, and a model in a partial directory fails its digest check on load. The cases are tried in
 * {@code FaultInjectionTest}; docs/reliability.md lists what the user sees.
 */
public final class StagedOutput {
  private static final String STAGING_INFIX = ".tmp-";
  private static final String ASIDE_INFIX = ".old-";

  private final FileSystem fs;
  private final Path target;
  private final Path staging;
  private boolean publishing;

  private StagedOutput(FileSystem fs, Path target, Path staging) {
    this.fs = fs;
    this.target = target;
    this.staging = staging;
  }

  /**
   * A staging directory for {@code path} (not created: the job creates it).
   *
   * @throws IllegalArgumentException when the path is blank or a file system root
   */
  public static StagedOutput of(String path, Configuration conf) throws IOException {
    Path target = HadoopModelDirectory.qualified(path, conf);
    Path parent = target.getParent();
    if (parent == null) {
      throw new IllegalArgumentException("output must not be a file system root; path=" + path);
    }
    return new StagedOutput(target.getFileSystem(conf), target,
        new Path(parent, "." + target.getName() + STAGING_INFIX + UUID.randomUUID()));
  }

  /**
   * Fails when {@code path} exists and Magnet did not write it; a command calls this before its work,
   * so that a wrong {@code --overwrite} is refused at once, not after the job.
   *
   * @throws FileAlreadyExistsException naming the path
   */
  public static void checkReplaceable(String path, Configuration conf) throws IOException {
    Path target = HadoopModelDirectory.qualified(path, conf);
    FileSystem fs = target.getFileSystem(conf);
    if (fs.exists(target) && !isMagnetOutput(fs, target)) {
      throw new FileAlreadyExistsException(target.toString(), null, OutputMarker.NOT_MAGNET_OUTPUT);
    }
  }

  /**
   * Whether {@code dir} was written by Magnet: it holds an {@link OutputMarker} (or is a model
   * directory of an earlier Magnet), or a hidden sibling of an interrupted write of the same path
   * holds one (on an object store, {@code dir} may then be a partial copy that lacks its marker).
   */
  static boolean isMagnetOutput(FileSystem fs, Path dir) throws IOException {
    if (!fs.getFileStatus(dir).isDirectory()) {
      return false;
    }
    if (OutputMarker.isMagnetOutput(new HadoopModelDirectory.Store(fs, dir))) {
      return true;
    }
    for (FileStatus sibling : leftovers(fs, dir)) {
      if (fs.exists(new Path(sibling.getPath(), OutputMarker.FILE_NAME))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Marks an existing directory as Magnet's, for a caller that recognises its own output from before
   * markers existed (an HTML report by its page's generator tag), so that it may be replaced.
   */
  public static void adopt(String path, Configuration conf, String writer) throws IOException {
    Path dir = HadoopModelDirectory.qualified(path, conf);
    FileSystem fs = dir.getFileSystem(conf);
    try (OutputStream out = fs.create(new Path(dir, OutputMarker.FILE_NAME), true)) {
      out.write(OutputMarker.content(writer));
    }
  }

  /** Where the job writes. */
  public String stagingPath() {
    return staging.toString();
  }

  /** The qualified final location. */
  public String target() {
    return target.toString();
  }

  /**
   * Marks the staged directory as Magnet's and moves it into place, replacing what is there when
   * Magnet wrote it (see the class comment for what a failure keeps).
   *
   * @throws FileAlreadyExistsException when the target exists and is not Magnet's
   * @throws IOException when a rename fails, naming where the new output is kept
   */
  public void publish() throws IOException {
    if (!fs.exists(staging)) {
      throw new IOException("nothing was written to " + staging);
    }
    publishing = true;
    try (OutputStream out = fs.create(new Path(staging, OutputMarker.FILE_NAME), true)) {
      out.write(OutputMarker.content(getClass().getName()));
    }
    if (!fs.exists(target)) {
      rename(staging, target);
    } else {
      if (!isMagnetOutput(fs, target)) {
        throw new FileAlreadyExistsException(target.toString(), null, OutputMarker.NOT_MAGNET_OUTPUT
            + " (the new output is kept in " + staging + ")");
      }
      Path aside = sibling(ASIDE_INFIX);
      rename(target, aside);
      try {
        rename(staging, target);
      } catch (IOException e) {
        boolean restored = fs.rename(aside, target);
        throw new IOException(e.getMessage() + "; " + (restored ? "the previous " + target + " is back in place"
            : "the previous " + target + " is in " + aside), e);
      }
      fs.delete(aside, true);
    }
    for (FileStatus leftover : leftovers(fs, target)) {
      fs.delete(leftover.getPath(), true);
    }
  }

  /**
   * Deletes the staging directory if the job left one (after a failure before {@link #publish});
   * once publish has begun, the staging directory holds the complete new output and is kept.
   */
  public void discard() {
    if (publishing) {
      return;
    }
    try {
      if (fs.exists(staging)) {
        fs.delete(staging, true);
      }
    } catch (IOException e) {
      // Best effort: a hidden leftover directory is harmless, and the job's own error matters more.
    }
  }

  @Override
  public String toString() {
    return Objects.toString(target);
  }

  /** A store over the staging directory, for a writer of single files (a model, a report). */
  ArtifactStore stagingStore() {
    return new HadoopModelDirectory.Store(fs, staging);
  }

  private Path sibling(String infix) {
    return new Path(target.getParent(), "." + target.getName() + infix + UUID.randomUUID());
  }

  /** Renames, turning Hadoop's {@code false} into an error; either error says where the new output is kept. */
  private void rename(Path from, Path to) throws IOException {
    boolean renamed;
    try {
      renamed = fs.rename(from, to);
    } catch (IOException e) {
      throw new IOException("cannot rename " + from + " to " + to + " (" + e.getMessage() + "); the new output is kept"
          + " in " + staging, e);
    }
    if (!renamed) {
      throw new IOException("cannot rename " + from + " to " + to + "; the new output is kept in " + staging);
    }
  }

  /**
   * Hidden siblings of {@code dir} that writes of it create: {@code .name.tmp-<uuid>} (staged) and
   * {@code .name.old-<uuid>} (the previous directory, moved aside).
   */
  private static FileStatus[] leftovers(FileSystem fs, Path dir) throws IOException {
    Pattern names = Pattern.compile(Pattern.quote("." + dir.getName()) + "(" + Pattern.quote(STAGING_INFIX) + "|"
        + Pattern.quote(ASIDE_INFIX) + ")[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    try {
      return fs.listStatus(dir.getParent(), p -> names.matcher(p.getName()).matches());
    } catch (FileNotFoundException e) {
      return new FileStatus[0];
    }
  }
}
