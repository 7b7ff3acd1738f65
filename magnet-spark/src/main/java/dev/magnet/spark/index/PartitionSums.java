package dev.magnet.spark.index;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * Element-wise sums of per-partition {@code double[]} partials, added on the driver in partition
 * order. Spark's {@code reduce} and {@code aggregate} merge the partials in the order their tasks
 * finish, and float addition is not associative, so with more than two partitions their last
 * bits change from run to run (and when a task is retried); this keeps σ², the cluster losses
 * (which weight the neighbourhood sampling) and the reported loss the same for the same seed.
 * The partials are a few hundred doubles per partition, so collecting them costs nothing.
 */
public final class PartitionSums {
  private PartitionSums() {}

  /**
   * The sum of the partials, each an array of the same length; an empty RDD gives an array of
   * {@code length} zeros.
   */
  public static double[] of(JavaRDD<double[]> partials, int length) {
    List<double[]> inOrder = partials.collect();
    double[] sum = new double[length];
    for (double[] partial : inOrder) {
      if (partial.length != length) {
        throw new IllegalStateException("partial sums differ in length: " + partial.length + "!=" + length);
      }
      for (int i = 0; i < length; i++) {
        sum[i] += partial[i];
      }
    }
    return sum;
  }
}
