package dev.magnet.spark.io;

import dev.magnet.spark.io.PublishDirectory.Attempt;
import dev.magnet.spark.io.PublishDirectory.Gate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * One publisher in its own JVM, for {@link PublishDirectoryTest}'s race between processes: stages a
 * version, waits until the file {@code go} exists (so that both processes publish at once), then
 * publishes it with {@code --no-worse-than latest}. Arguments: root, run id, knn1_accuracy, go file.
 */
public final class PublishRaceMain {
  private PublishRaceMain() {}

  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    PublishDirectory dir = new PublishDirectory(args[0], conf, System.err::println);
    Attempt attempt = dir.begin(args[1], "v", "knn1_accuracy", Gate.noWorseThanLatest(0));
    PublishDirectoryTest.stage(attempt, args[1]);
    Path go = Path.of(args[3]);
    System.out.println("staged");
    System.out.flush();
    while (!Files.exists(go)) {
      Thread.sleep(5);
    }
    PublishDirectory.Published published = attempt.publish(Map.of("knn1_accuracy", Double.parseDouble(args[2])));
    System.out.println(published.publication().name() + " " + published.publication().promoted());
  }
}
