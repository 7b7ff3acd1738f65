package dev.magnet.spark.data;

import java.util.Objects;

/**
 * A loaded data set and what loading it left out.
 *
 * @param dataset the examples that were kept
 * @param skippedRows rows dropped as unusable (non-finite features, a feature length other than
 *     the data set's, a null label or null features)
 * @param images for image files, what was decoded and rejected (the rejected are not in
 *     {@code skippedRows}); null for other data
 */
public record LoadReport(SparkDataset dataset, long skippedRows, ImageReport images) {
  public LoadReport {
    Objects.requireNonNull(dataset, "dataset");
    if (skippedRows < 0) {
      throw new IllegalArgumentException("skippedRows must be >= 0; skippedRows=" + skippedRows);
    }
  }

  /** Data that is not image files. */
  public LoadReport(SparkDataset dataset, long skippedRows) {
    this(dataset, skippedRows, null);
  }
}
