package dev.magnet.spark.data;

import dev.magnet.core.nn.InputShape;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;

/**
 * A labelled data set as the driver sees it: the examples as an RDD, and what describes them.
 *
 * @param examples the examples; ids unique
 * @param labelNames name of every class id, in order
 * @param inputShape shape of one example's features
 * @param description where the data came from, for provenance
 */
public record SparkDataset(JavaRDD<Example> examples, List<String> labelNames, InputShape inputShape,
    String description) {
  public SparkDataset {
    Objects.requireNonNull(examples, "examples");
    labelNames = List.copyOf(labelNames);
    Objects.requireNonNull(inputShape, "inputShape");
    if (labelNames.size() < 2) {
      throw new IllegalArgumentException("a data set needs at least 2 classes; labelNames=" + labelNames);
    }
  }

  public int numClasses() {
    return labelNames.size();
  }
}
