package dev.magnet.core.model;

import java.time.Instant;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a model came from: when it was trained, on what, by which Magnet on which JVM and OS.
 *
 * @param trainedAt ISO-8601 instant the training finished
 * @param data a description of the training data (path, size, label set)
 * @param trainingExamples examples in the training set
 * @param epochs epochs completed
 */
public record Provenance(
    String trainedAt,
    String data,
    long trainingExamples,
    int epochs,
    String magnetVersion,
    String javaVersion,
    String os,
    String nd4jBackend) {

  /** Provenance of a model trained now, in this JVM. */
  public static Provenance now(String data, long trainingExamples, int epochs) {
    return new Provenance(Instant.now().toString(), data, trainingExamples, epochs, MagnetVersion.get(),
        System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        Nd4j.getBackend().getClass().getSimpleName());
  }
}
