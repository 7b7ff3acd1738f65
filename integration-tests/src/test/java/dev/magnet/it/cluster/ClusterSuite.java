package dev.magnet.it.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class's standalone cluster: a master and two one-core workers, each a separate JVM
 * ({@link StandaloneCluster}), started once before the class's tests and stopped after them, in a
 * temporary directory of the class.
 */
abstract class ClusterSuite {
  @TempDir
  static Path tmp;
  static StandaloneCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = StandaloneCluster.startWithRepositoryOptions(tmp.resolve("spark-home"), 2);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  /** The arguments {@code job} followed by {@code more}. */
  static List<String> args(List<String> job, String... more) {
    List<String> args = new ArrayList<>(job);
    args.addAll(List.of(more));
    return args;
  }
}
