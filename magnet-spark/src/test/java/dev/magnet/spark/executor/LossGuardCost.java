package dev.magnet.spark.executor;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.MagnetParams;
import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * What {@link LossGuard} adds to a worker's mini-batch update, in CPU time: the parameter check
 * ({@link Matrices#allFinite} on the network's parameters) against {@code network.fit} of one
 * Magnet batch (M·D = 48 rows of 28x28) of {@code fmnist-cnn}, both on one native thread as a
 * Spark task runs them, and two ND4J ways of the same check. Not a test: a measurement to run by
 * hand (docs/benchmarks.md, "Divergence checks", gives the command), printing one line each.
 */
public final class LossGuardCost {
  private static final int ROWS = 48;
  private static final int FITS = 60;
  private static final int CHECKS = 2000;

  private LossGuardCost() {}

  public static void main(String[] args) {
    MagnetParams params = MagnetParams.defaults();
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.image(1, 28, 28));
    MultiLayerNetwork network = NetworkFactory.build(spec, Objective.of(params).head(6));
    INDArray features = Nd4j.rand(DataType.FLOAT, ROWS, 1, 28, 28);
    INDArray labels = Nd4j.create(DataType.FLOAT, ROWS, 2);
    for (int i = 0; i < ROWS; i++) {
      int cluster = i / params.examplesPerCluster();
      labels.putScalar(i, 0, cluster);
      labels.putScalar(i, 1, cluster / 2);
    }
    DataSet batch = new DataSet(features, labels);
    for (int i = 0; i < 10; i++) { // warm-up: JIT, native buffers
      network.fit(batch);
      Matrices.allFinite(network.params());
    }
    long start = cpuNanos();
    for (int i = 0; i < FITS; i++) {
      network.fit(batch);
    }
    double fitMs = (cpuNanos() - start) / 1e6 / FITS;
    INDArray parameters = network.params();
    double check = perCheck(() -> Matrices.allFinite(parameters));
    double op = perCheck(() -> !BooleanIndexing.or(parameters, Conditions.notFinite()));
    double sum = perCheck(() -> Double.isFinite(parameters.sumNumber().doubleValue()));
    System.out.printf("parameters                 %d%n", parameters.length());
    System.out.printf("fit of a batch             %.3f ms CPU%n", fitMs);
    System.out.printf("Matrices.allFinite         %.4f ms CPU (%.2f%% of a fit)%n", check, 100 * check / fitMs);
    System.out.printf("ND4J notFinite condition   %.4f ms CPU%n", op);
    System.out.printf("ND4J sum                   %.4f ms CPU%n", sum);
  }

  /** CPU milliseconds per call of a check that must find every value finite. */
  private static double perCheck(BooleanSupplier check) {
    long start = cpuNanos();
    for (int i = 0; i < CHECKS; i++) {
      if (!check.getAsBoolean()) {
        throw new IllegalStateException("the parameters are finite");
      }
    }
    return (cpuNanos() - start) / 1e6 / CHECKS;
  }

  /** CPU time of this JVM, native threads included. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
