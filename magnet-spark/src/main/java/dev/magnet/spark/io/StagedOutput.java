package dev.magnet.spark.io;

import java.io.IOException;
import java.util.Objects;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory written by a Spark job (a Parquet table) the way
 * {@link HadoopModelDirectory} writes a model: the job writes into a hidden sibling staging
 * directory ({@code .name.tmp-<uuid>}), which {@link #publish} renames into place only once
 * complete. An existing directory is renamed aside, replaced and then deleted, so a failed job
 * leaves the previous output as it was.
 */
public final class StagedOutput {
  private final FileSystem fs;
  private final Path target;
  private final Path staging;

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
        new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID()));
  }

  /** Where the job writes. */
  public String stagingPath() {
    return staging.toString();
  }

  /** The qualified final location. */
  public String target() {
    return target.toString();
  }

  /** Moves the staged directory into place, replacing what is there (which is restored if the move fails). */
  public void publish() throws IOException {
    if (!fs.exists(staging)) {
      throw new IOException("nothing was written to " + staging);
    }
    Path aside = null;
    if (fs.exists(target)) {
      aside = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
      if (!fs.rename(target, aside)) {
        throw new IOException("cannot move " + target + " aside to " + aside);
      }
    }
    if (!fs.rename(staging, target)) {
      if (aside != null) {
        fs.rename(aside, target);
      }
      throw new IOException("cannot rename " + staging + " to " + target);
    }
    if (aside != null) {
      fs.delete(aside, true);
    }
  }

  /** Deletes the staging directory if the job left one (after a failure). */
  public void discard() {
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
}
