package dev.magnet.spark.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.LossKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a retraining run starts when it continues from a published model ({@code --init-from}):
 * the model's network (weights and updater state) and its cluster index carried over to this run's
 * label map, so that the first refresh warm-starts K-means from the known classes' centroids and
 * clusters the new classes from scratch.
 *
 * <p>Label maps evolve by name: classes of the model that the data no longer has are dropped from
 * the index ({@link #vanished()}, for a warning), classes the data adds get fresh clusters
 * ({@link #added()}); ids may move (string labels take the sorted order of their names, so a new
 * name shifts the ids after it), since Magnet's and the triplet loss's network outputs the
 * embedding and never a class. Two cases are refused, naming the labels:
 * <ul>
 *   <li>a class id whose name vanished while a name new to the model took its id — most likely a
 *       renamed class, which would silently lose its clusters and history;
 *   <li>with the softmax loss, any change: its output layer has one unit per class id.
 * </ul>
 *
 * @param model the model continued from
 * @param index the model's index in this run's label ids; null when no class of the model is left
 * @param vanished classes of the model the data no longer has: dropped from the index
 * @param added classes new to the model: clustered from scratch
 */
public record WarmStart(ModelArtifact model, ClusterIndex index, List<String> vanished, List<String> added) {
  public WarmStart {
    vanished = List.copyOf(vanished);
    added = List.copyOf(added);
  }

  /**
   * Maps {@code model} onto a run with {@code labelNames}, {@code loss} and inputs of shape {@code input}.
   * The run trains the model's network ({@link ModelArtifact#networkSpec()}): architecture, widths and
   * optimiser come with it.
   *
   * @throws IllegalArgumentException naming the labels or settings when the model cannot be continued
   */
  public static WarmStart of(ModelArtifact model, String source, List<String> labelNames, LossKind loss,
      InputShape input) {
    Objects.requireNonNull(model, "model");
    if (!model.networkSpec().input().equals(input)) {
      throw new IllegalArgumentException("--init-from " + source + " takes inputs of another shape; model="
          + model.networkSpec().input() + ", data=" + input);
    }
    if (model.params().loss() != loss) {
      throw new IllegalArgumentException("--init-from " + source + " was trained with the " + model.params().loss()
          + " loss, this run uses " + loss + "; their networks' outputs differ");
    }
    List<String> known = model.labelNames();
    for (int id = 0; id < Math.min(known.size(), labelNames.size()); id++) {
      String was = known.get(id);
      String is = labelNames.get(id);
      if (!labelNames.contains(was) && !known.contains(is)) {
        throw new IllegalArgumentException("label map conflicts with --init-from " + source + ": class id " + id
            + " is '" + was + "' in the model and '" + is + "' in the data, a renamed class? (model labels=" + known
            + ", data labels=" + labelNames + ")");
      }
    }
    if (Objective.of(model.params()).predictsClasses() && !known.equals(labelNames)) {
      throw new IllegalArgumentException("the softmax loss continues only with the same labels in the same order"
          + " (its output has one unit per class id); model labels=" + known + ", data labels=" + labelNames);
    }
    List<String> vanished = new ArrayList<>();
    for (String name : known) {
      if (!labelNames.contains(name)) {
        vanished.add(name);
      }
    }
    List<String> added = new ArrayList<>();
    for (String name : labelNames) {
      if (!known.contains(name)) {
        added.add(name);
      }
    }
    return new WarmStart(model, remap(model.index(), known, labelNames), vanished, added);
  }

  /**
   * The index with its clusters relabelled to this run's ids, grouped by class in ascending order;
   * clusters of vanished classes dropped. Null when no class is left: the first refresh starts cold.
   */
  static ClusterIndex remap(ClusterIndex index, List<String> from, List<String> to) {
    Map<String, Integer> newId = new HashMap<>();
    for (int id = 0; id < to.size(); id++) {
      newId.put(to.get(id), id);
    }
    List<double[]> centroids = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (int c = 0; c < to.size(); c++) {
      int old = from.indexOf(to.get(c));
      if (old < 0 || old >= index.numClasses()) {
        continue;
      }
      int[] range = index.clustersOfClass(old);
      for (int j = range[0]; j < range[1]; j++) {
        centroids.add(index.centroid(j));
        classes.add(c);
        sizes.add(index.clusterSize(j));
      }
    }
    if (centroids.isEmpty()) {
      return null;
    }
    return ClusterIndex.of(to.size(), centroids.toArray(new double[0][]),
        classes.stream().mapToInt(Integer::intValue).toArray(), sizes.stream().mapToLong(Long::longValue).toArray(),
        index.sigma2(), null);
  }
}
