package dev.magnet.core.data;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An immutable labelled data set: float features of shape {@code [n, d]} (vectors) or
 * {@code [n, channels, height, width]} (NCHW images), one class label per example in
 * {@code [0, numClasses)}, the class names, optional fine (sub-class) labels for hierarchy
 * evaluation, and a short description of where the data came from.
 *
 * <p>Features and labels are copied on the way in and on the way out, so neither the caller nor
 * this object can change the other's arrays.
 */
public final class LabelledDataset {
  private final INDArray features;
  private final int[] labels;
  private final List<String> labelNames;
  private final int[] fineLabels;
  private final String description;

  /**
   * Creates a data set without fine labels.
   *
   * @param features float-convertible array of shape [n, d] or [n, c, h, w]; copied
   * @param labels one label per example in [0, labelNames.size()); copied
   * @param labelNames distinct class names, index = label
   * @param description provenance, e.g. "fashion-mnist train (first 1000)"
   */
  public static LabelledDataset of(
      INDArray features, int[] labels, List<String> labelNames, String description) {
    return of(features, labels, labelNames, null, description);
  }

  /**
   * Creates a data set with fine labels ({@code null} for none); see {@link #of(INDArray, int[],
   * List, String)}. Fine labels are non-negative sub-class ids, one per example.
   */
  public static LabelledDataset of(
      INDArray features,
      int[] labels,
      List<String> labelNames,
      int[] fineLabels,
      String description) {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    return new LabelledDataset(
        features.castTo(DataType.FLOAT).dup('c'),
        labels.clone(),
        labelNames,
        fineLabels == null ? null : fineLabels.clone(),
        description);
  }

  /**
   * Takes ownership of arrays built in this package, skipping the defensive copies: {@code features}
   * must already be float.
   */
  LabelledDataset(
      INDArray features,
      int[] labels,
      List<String> labelNames,
      int[] fineLabels,
      String description) {
    Objects.requireNonNull(labelNames, "labelNames");
    Objects.requireNonNull(description, "description");
    int rank = features.rank();
    if (rank != 2 && rank != 4) {
      throw new IllegalArgumentException(
          "features must be 2-D [n, d] or 4-D [n, c, h, w]; shape="
              + Arrays.toString(features.shape()));
    }
    if (features.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException(
          "features must be float; dataType=" + features.dataType());
    }
    long n = features.size(0);
    if (n < 1) {
      throw new IllegalArgumentException("data set must hold at least one example; n=" + n);
    }
    if (labels.length != n) {
      throw new IllegalArgumentException(
          "labels and features differ in count: " + labels.length + "!=" + n);
    }
    List<String> names = List.copyOf(labelNames);
    requireDistinct(names);
    checkLabelRange(labels, names.size());
    if (fineLabels != null) {
      if (fineLabels.length != n) {
        throw new IllegalArgumentException(
            "fine labels and features differ in count: " + fineLabels.length + "!=" + n);
      }
      for (int i = 0; i < fineLabels.length; i++) {
        if (fineLabels[i] < 0) {
          throw new IllegalArgumentException(
              "fine labels must be non-negative; fineLabels[" + i + "]=" + fineLabels[i]);
        }
      }
    }
    checkFinite(features);
    this.features = features;
    this.labels = labels;
    this.labelNames = names;
    this.fineLabels = fineLabels;
    this.description = description;
  }

  private static void requireDistinct(List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("label names must not be empty; labelNames=[]");
    }
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (!seen.add(name)) {
        throw new IllegalArgumentException("label names must be distinct; duplicate=" + name);
      }
    }
  }

  private static void checkLabelRange(int[] labels, int numClasses) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            "labels must be in [0, " + numClasses + "); labels[" + i + "]=" + labels[i]);
      }
    }
  }

  private static void checkFinite(INDArray features) {
    // One native pass in the common case; the row scan below only runs to name the culprit.
    if (!features.isNaN().any() && !features.isInfinite().any()) {
      return;
    }
    long n = features.size(0);
    INDArray rows = features.reshape('c', n, features.length() / n);
    for (int i = 0; i < n; i++) {
      for (float v : rows.getRow(i).toFloatVector()) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              "features must be finite; first bad example index=" + i + " value=" + v);
        }
      }
    }
  }

  /** Number of examples. */
  public int size() {
    return labels.length;
  }

  /** Number of classes, equal to the number of label names. */
  public int numClasses() {
    return labelNames.size();
  }

  /** The shape of one example: {@code [d]} or {@code [c, h, w]}. */
  public long[] featureShape() {
    long[] shape = features.shape();
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  /**
   * A copy of the features, shape {@code [n, ...]}, float: call it once per use, as it copies
   * every value (188 MB for the Fashion-MNIST training set).
   */
  public INDArray features() {
    return features.dup();
  }

  /** A copy of the class labels. */
  public int[] labels() {
    return labels.clone();
  }

  /** The class names, index = label; unmodifiable. */
  public List<String> labelNames() {
    return labelNames;
  }

  /** Whether fine (sub-class) labels are present. */
  public boolean hasFineLabels() {
    return fineLabels != null;
  }

  /**
   * A copy of the fine labels.
   *
   * @throws IllegalStateException if this data set has none
   */
  public int[] fineLabels() {
    if (fineLabels == null) {
      throw new IllegalStateException("data set has no fine labels; description=" + description);
    }
    return fineLabels.clone();
  }

  /** Where the data came from, e.g. "fashion-mnist train (first 1000)". */
  public String description() {
    return description;
  }

  /** Examples per class, index = label. */
  public int[] classCounts() {
    int[] counts = new int[numClasses()];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  /**
   * The examples at {@code indices}, in that order; an index may repeat.
   *
   * @throws IllegalArgumentException if indices is empty or an index is out of range
   */
  public LabelledDataset subset(int[] indices) {
    Objects.requireNonNull(indices, "indices");
    if (indices.length == 0) {
      throw new IllegalArgumentException("subset needs at least one index; indices.length=0");
    }
    int n = size();
    int[] subLabels = new int[indices.length];
    int[] subFine = fineLabels == null ? null : new int[indices.length];
    for (int j = 0; j < indices.length; j++) {
      int i = indices[j];
      if (i < 0 || i >= n) {
        throw new IllegalArgumentException(
            "subset indices must be in [0, " + n + "); indices[" + j + "]=" + i);
      }
      subLabels[j] = labels[i];
      if (subFine != null) {
        subFine[j] = fineLabels[i];
      }
    }
    long[] shape = features.shape();
    INDArray rows = features.reshape('c', n, features.length() / n);
    long[] subShape = shape.clone();
    subShape[0] = indices.length;
    INDArray subFeatures = Nd4j.pullRows(rows, 1, indices).reshape('c', subShape);
    return new LabelledDataset(
        subFeatures,
        subLabels,
        labelNames,
        subFine,
        description + " [subset of " + indices.length + "]");
  }

  /**
   * The same features under new labels (e.g. a coarse grouping of the classes); the current
   * labels become the fine labels of the result.
   *
   * @param newLabels one label per example in [0, names.size()); copied
   * @param names the new class names
   */
  public LabelledDataset withLabels(int[] newLabels, List<String> names) {
    Objects.requireNonNull(newLabels, "newLabels");
    Objects.requireNonNull(names, "names");
    return new LabelledDataset(
        features,
        newLabels.clone(),
        names,
        labels,
        description + " [relabelled to " + names.size() + " classes]");
  }

  @Override
  public String toString() {
    return "LabelledDataset[n=" + size() + ", featureShape=" + Arrays.toString(featureShape())
        + ", classes=" + numClasses() + ", fine=" + hasFineLabels() + ", " + description + "]";
  }
}
