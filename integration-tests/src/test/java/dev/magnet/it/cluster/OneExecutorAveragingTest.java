package dev.magnet.it.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.it.SparkHome;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Averaging in one stage gives the same model whether the workers' tasks meet in one executor's
 * memory ({@code local-cluster[1,2,1024]}: one executor JVM with two cores) or through Spark's
 * block manager between two executors ({@code local-cluster[2,1,1024]}): the same seed gives the
 * same parameters, to the bit, and each run says which way its tasks averaged.
 */
class OneExecutorAveragingTest {
  private static final List<String> JOB = List.of("--data", "synthetic:classes=3,sub=2,per=20,size=8",
      "--network", "mlp", "--embedding-dim", "4", "-K", "2", "-M", "3", "-D", "4", "--seed", "17",
      "--workers", "2", "--epochs", "2", "--averaging-frequency", "2", "--no-report");

  @TempDir
  Path tmp;

  @Test
  void tasksOfOneExecutorAverageInItsMemoryToTheBitsOfTwoExecutors() throws Exception {
    Path home = SparkHome.create(tmp.resolve("spark-home"));
    byte[] twoExecutors = train(home, "local-cluster[2,1,1024]", "two", "Spark's block manager");
    byte[] oneExecutor = train(home, "local-cluster[1,2,1024]", "one", "the memory of the one JVM they all ran in");
    assertTrue(oneExecutor.length > 0);
    assertArrayEquals(twoExecutors, oneExecutor, "the parameters of the two runs");
  }

  /** Trains on {@code master} and returns the model's parameters (DL4J's coefficients.bin). */
  private byte[] train(Path home, String master, String name, String exchange) throws Exception {
    Path model = tmp.resolve("model-" + name);
    List<String> args = new java.util.ArrayList<>(JOB);
    args.addAll(List.of("--output", model.toString()));
    Submission train = Submission.start(master, SparkHome.environment(home), tmp.resolve("logs"), "train", args);
    assertEquals(ExitCodes.SUCCESS, train.await(), master + "\n" + train);
    assertTrue(train.stderr().contains("one-stage averaging: the 2 tasks averaged through " + exchange),
        master + "\n" + train);
    try (ZipFile zip = new ZipFile(coefficientsZip(model).toFile())) {
      ZipEntry entry = zip.getEntry("coefficients.bin");
      try (InputStream in = zip.getInputStream(entry)) {
        return in.readAllBytes();
      }
    }
  }

  private static Path coefficientsZip(Path model) throws IOException {
    try (var files = Files.walk(model)) {
      return files.filter(f -> f.getFileName().toString().equals("network.zip")).findFirst()
          .orElseThrow(() -> new IOException("no network.zip under " + model));
    }
  }
}
