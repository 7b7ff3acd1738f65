package dev.magnet.spark.io;

import dev.magnet.core.model.ArtifactStore;
import dev.magnet.core.model.LocalModelDirectory;
import dev.magnet.core.model.ModelArtifact;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.Objects;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A model directory on any Hadoop file system (file://, hdfs://, s3a://), written the way
 * {@link LocalModelDirectory} writes a local one: files go to a hidden sibling staging directory
 * ({@code .name.tmp-<uuid>}) that is renamed into place only when complete, so a reader or a
 * resumed run never sees half a model. An existing directory is replaced only when asked: it is
 * renamed aside ({@code .name.old-<uuid>}), the new one renamed in, and the old one deleted.
 *
 * <p>Rename is atomic on HDFS and the local file system; on object stores (s3a) it is a copy,
 * so a crash there can leave the staging directory behind, never a half-written target.
 */
public final class HadoopModelDirectory {
  private HadoopModelDirectory() {}

  /**
   * Writes a directory atomically.
   *
   * @param path the directory, any Hadoop URI or a local path
   * @param overwrite replace an existing directory
   * @param writer writes the files into the staging directory
   * @throws FileAlreadyExistsException if {@code path} exists and {@code overwrite} is false;
   *     nothing is touched then
   */
  public static void write(String path, Configuration conf, boolean overwrite, LocalModelDirectory.Writer writer)
      throws IOException {
    Objects.requireNonNull(writer, "writer");
    Path target = qualified(path, conf);
    FileSystem fs = target.getFileSystem(conf);
    if (fs.exists(target) && !overwrite) {
      throw new FileAlreadyExistsException(target.toString(), null,
          "model directory already exists; pass --overwrite to replace it");
    }
    Path parent = target.getParent();
    if (parent == null) {
      throw new IllegalArgumentException("model directory must not be a file system root; path=" + path);
    }
    fs.mkdirs(parent);
    String name = target.getName();
    Path staging = new Path(parent, "." + name + ".tmp-" + UUID.randomUUID());
    if (!fs.mkdirs(staging)) {
      throw new IOException("cannot create staging directory " + staging);
    }
    try {
      writer.writeTo(new Store(fs, staging));
      if (fs.exists(target)) {
        Path old = new Path(parent, "." + name + ".old-" + UUID.randomUUID());
        rename(fs, target, old);
        rename(fs, staging, target);
        fs.delete(old, true);
      } else {
        rename(fs, staging, target);
      }
    } finally {
      if (fs.exists(staging)) {
        fs.delete(staging, true);
      }
    }
  }

  /**
   * A store reading the files of an existing directory.
   *
   * @throws FileNotFoundException naming the directory when it does not exist
   */
  public static ArtifactStore reader(String path, Configuration conf) throws IOException {
    Path directory = qualified(path, conf);
    FileSystem fs = directory.getFileSystem(conf);
    if (!fs.exists(directory)) {
      throw new FileNotFoundException("model directory not found: " + directory);
    }
    if (!fs.getFileStatus(directory).isDirectory()) {
      throw new FileNotFoundException("model directory is a file, not a directory: " + directory);
    }
    return new Store(fs, directory);
  }

  /** Reads a model from a directory on any Hadoop file system. */
  public static ModelArtifact load(String path, Configuration conf) throws IOException {
    return ModelArtifact.readFrom(reader(path, conf));
  }

  /** Writes a model atomically; see {@link #write}. */
  public static void save(ModelArtifact model, String path, Configuration conf, boolean overwrite)
      throws IOException {
    Objects.requireNonNull(model, "model");
    write(path, conf, overwrite, model::writeTo);
  }

  /** Whether a model directory (or anything else) exists at {@code path}. */
  public static boolean exists(String path, Configuration conf) throws IOException {
    Path target = qualified(path, conf);
    return target.getFileSystem(conf).exists(target);
  }

  static Path qualified(String path, Configuration conf) throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(conf, "conf");
    if (path.isBlank()) {
      throw new IllegalArgumentException("path must not be blank; path='" + path + "'");
    }
    Path p = new Path(path);
    return p.getFileSystem(conf).makeQualified(p);
  }

  /** Hadoop's rename reports most failures as {@code false}; this turns them into errors. */
  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("cannot rename " + from + " to " + to);
    }
  }

  private record Store(FileSystem fs, Path directory) implements ArtifactStore {
    @Override
    public OutputStream create(String name) throws IOException {
      return fs.create(new Path(directory, name), false);
    }

    @Override
    public InputStream open(String name) throws IOException {
      Path file = new Path(directory, name);
      try {
        return fs.open(file);
      } catch (FileNotFoundException e) {
        throw new FileNotFoundException("model file missing: " + file);
      }
    }

    @Override
    public String location() {
      return directory.toString();
    }
  }
}
