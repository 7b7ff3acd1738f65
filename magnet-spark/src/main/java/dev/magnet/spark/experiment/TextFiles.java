package dev.magnet.spark.experiment;

import dev.magnet.spark.util.JobException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The small text files of the experiments (tables, results, commands, tuned configurations) on any
 * Hadoop file system; a failure is bad input ({@link JobException#input}).
 */
public final class TextFiles {
  private TextFiles() {}

  /** Writes {@code text} to {@code path}, replacing it. */
  public static void write(String path, String text, Configuration conf) {
    JobException.input(() -> {
      Path file = new Path(path);
      FileSystem fs = file.getFileSystem(conf);
      try (OutputStream stream = fs.create(file, true)) {
        stream.write(text.getBytes(StandardCharsets.UTF_8));
      }
      return file;
    });
  }

  /** The text of {@code path}; empty when there is no such file. */
  public static Optional<String> read(String path, Configuration conf) {
    return JobException.input(() -> {
      Path file = new Path(path);
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        return Optional.empty();
      }
      try (var in = fs.open(file)) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    });
  }
}
