package dev.magnet.core.objective;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.loss.BatchHardTripletLoss;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.sampling.NeighbourhoodSampler;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The batch-hard triplet baseline (Hermans et al. 2017): batches of P classes x K examples with
 * P = min(M, classes with two or more examples) and K = max(2, M·D / P), so a batch has about the
 * Magnet batch's rows; the margin acts on unit-length embeddings ({@link Head#unitEmbedding});
 * scored by 1-NN.
 */
public final class TripletObjective extends Objective {
  TripletObjective(MagnetParams params) {
    super(params, BatchSampling.CLASSES, LabelEncoding.CLASS, new Classifier("1-NN", Metric.KNN1_ACCURACY));
  }

  @Override
  public Head head(int numClasses) {
    return Head.unitEmbedding(new BatchHardTripletLoss(params().tripletMargin()));
  }

  @Override
  public void checkData(Map<Integer, Long> classCounts, int numClasses) {
    super.checkData(classCounts, numClasses);
    classesPerBatch(classCounts);
  }

  @Override
  public int rowsPerBatch(Map<Integer, Long> classCounts) {
    int p = classesPerBatch(classCounts);
    return p * examplesPerClass(p);
  }

  /** P classes drawn uniformly among those with two or more examples, K members each. */
  @Override
  public GroupPlanner planner(ClusterIndex index, Map<Integer, Long> classCounts) {
    int[] eligible = classCounts.entrySet().stream().filter(e -> e.getValue() >= 2)
        .mapToInt(Map.Entry::getKey).sorted().toArray();
    int p = classesPerBatch(classCounts);
    int k = examplesPerClass(p);
    return new GroupPlanner() {
      @Override
      public int[] next(SplittableRandom random) {
        return NeighbourhoodSampler.drawMembers(eligible, p, random);
      }

      @Override
      public int draws() {
        return k;
      }
    };
  }

  /** P: M classes, or all that have two or more examples if fewer; at least two are needed. */
  private int classesPerBatch(Map<Integer, Long> classCounts) {
    long eligible = classCounts.values().stream().filter(c -> c >= 2).count();
    if (eligible < 2) {
      throw new IllegalArgumentException("triplet batches need two classes with at least 2 examples; classes="
          + eligible);
    }
    return (int) Math.min(params().clustersPerBatch(), eligible);
  }

  /** K: the Magnet batch's rows shared among P classes, at least two each (a positive per anchor). */
  private int examplesPerClass(int p) {
    return Math.max(2, params().batchSize() / p);
  }

  /** A positive pair. */
  @Override
  public int minExamplesPerClass() {
    return 2;
  }
}
