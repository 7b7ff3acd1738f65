package dev.magnet.spark.io;

import dev.magnet.core.model.ArtifactStore;
import dev.magnet.core.model.LocalModelDirectory;
import dev.magnet.core.model.ModelArtifact;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A model directory on any Hadoop file system (file://, hdfs://, s3a://), written the way
 * {@link LocalModelDirectory} writes a local one, through a {@link StagedOutput}: files go to a
 * hidden sibling staging directory that is moved into place only when complete, so a reader or a
 * resumed run never sees half a model on HDFS or the local file system. An existing directory is
 * replaced only when asked, and only when Magnet wrote it. On an object store, where a rename is a
 * copy, a killed write can leave a partial directory; loading it fails the digest check that names
 * the file ({@link ModelArtifact#readFrom}).
 */
public final class HadoopModelDirectory {
  private HadoopModelDirectory() {}

  /**
   * Writes a directory atomically.
   *
   * @param path the directory, any Hadoop URI or a local path
   * @param overwrite replace an existing directory that Magnet wrote
   * @param writer writes the files into the staging directory
   * @throws FileAlreadyExistsException if {@code path} exists and {@code overwrite} is false, or
   *     Magnet did not write it; nothing is touched then
   * @throws IOException when the new directory cannot be moved into place, naming where it is kept
   */
  public static void write(String path, Configuration conf, boolean overwrite, LocalModelDirectory.Writer writer)
      throws IOException {
    Objects.requireNonNull(writer, "writer");
    Path target = qualified(path, conf);
    FileSystem fs = target.getFileSystem(conf);
    if (target.getParent() == null) {
      throw new IllegalArgumentException("model directory must not be a file system root; path=" + path);
    }
    if (fs.exists(target)) {
      if (!overwrite) {
        throw new FileAlreadyExistsException(target.toString(), null,
            "model directory already exists; pass --overwrite to replace it");
      }
      StagedOutput.checkReplaceable(path, conf);
    }
    StagedOutput staged = StagedOutput.of(path, conf);
    Path staging = new Path(staged.stagingPath());
    if (!fs.mkdirs(staging)) {
      throw new IOException("cannot create staging directory " + staging);
    }
    try {
      writer.writeTo(staged.stagingStore());
    } catch (IOException | RuntimeException | Error e) {
      staged.discard();
      throw e;
    }
    staged.publish();
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

  /**
   * The numbers of the directories in {@code root} whose whole name matches {@code name} (the
   * number its first group), ascending; none when {@code root} does not exist. Checkpoints
   * ({@code epoch-0003}) and published versions ({@code v3}) are both numbered this way.
   */
  static List<Integer> numberedDirectories(FileSystem fs, Path root, Pattern name) throws IOException {
    List<Integer> numbers = new ArrayList<>();
    if (!fs.exists(root)) {
      return numbers;
    }
    for (FileStatus status : fs.listStatus(root)) {
      Matcher m = name.matcher(status.getPath().getName());
      if (status.isDirectory() && m.matches()) {
        numbers.add(Integer.parseInt(m.group(1)));
      }
    }
    numbers.sort(null);
    return numbers;
  }

  /** The files of one directory of a Hadoop file system. */
  record Store(FileSystem fs, Path directory) implements ArtifactStore {
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
