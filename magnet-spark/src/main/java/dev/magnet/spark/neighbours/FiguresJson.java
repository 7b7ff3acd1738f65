package dev.magnet.spark.neighbours;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.spark.util.JobException;
import java.io.OutputStream;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** The {@code --json} file of the measuring commands ({@code neighbours recall}, {@code neighbours lsh}). */
final class FiguresJson {
  private FiguresJson() {}

  /**
   * Writes {@code figures} as indented JSON to {@code location} on any Hadoop file system,
   * replacing the file; nothing when {@code location} is null (no {@code --json} given).
   */
  static void write(String location, Map<String, Object> figures, Configuration conf) {
    if (location == null) {
      return;
    }
    JobException.input(() -> {
      Path path = new Path(location);
      try (OutputStream stream = path.getFileSystem(conf).create(path, true)) {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(stream, figures);
      }
      return null;
    });
  }
}
