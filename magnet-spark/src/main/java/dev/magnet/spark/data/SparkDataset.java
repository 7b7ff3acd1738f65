package dev.magnet.spark.data;

import dev.magnet.core.data.ImagePreprocessing;
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
 * @param preprocessing how images became the examples, and how training augments them; null for
 *     vectors. A model trained on the data records it, so that what embeds with the model makes
 *     images into inputs the same way
 * @param description where the data came from, for provenance
 */
public record SparkDataset(JavaRDD<Example> examples, List<String> labelNames, InputShape inputShape,
    ImagePreprocessing preprocessing, String description) {
  public SparkDataset {
    Objects.requireNonNull(examples, "examples");
    labelNames = List.copyOf(labelNames);
    Objects.requireNonNull(inputShape, "inputShape");
    if (labelNames.size() < 2) {
      throw new IllegalArgumentException("a data set needs at least 2 classes; labelNames=" + labelNames);
    }
    if (preprocessing != null && !preprocessing.shape().equals(inputShape)) {
      throw new IllegalArgumentException("the preprocessing must give the examples' shape; preprocessing="
          + preprocessing.shape() + " examples=" + inputShape);
    }
  }

  /**
   * Examples made without resizing (IDX, synthetic, vectors): images in [0, 1] of their own size,
   * the preprocessing {@link ImagePreprocessing#implied} by their shape.
   */
  public SparkDataset(JavaRDD<Example> examples, List<String> labelNames, InputShape inputShape, String description) {
    this(examples, labelNames, inputShape, ImagePreprocessing.implied(inputShape), description);
  }

  public int numClasses() {
    return labelNames.size();
  }

  /** The same data, augmented in training as {@code augmentation} says. */
  public SparkDataset withAugmentation(ImagePreprocessing.Augmentation augmentation) {
    if (augmentation != ImagePreprocessing.Augmentation.NONE && preprocessing == null) {
      throw new IllegalArgumentException("augmentation needs images of 1 or 3 channels; input=" + inputShape);
    }
    return preprocessing == null ? this : new SparkDataset(examples, labelNames, inputShape,
        preprocessing.withAugmentation(augmentation), description);
  }
}
