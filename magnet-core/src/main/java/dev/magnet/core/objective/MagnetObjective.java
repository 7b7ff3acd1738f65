package dev.magnet.core.objective;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.loss.MagnetLoss;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.sampling.NeighbourhoodSampler;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Magnet loss (Rippel et al., ICLR 2016): neighbourhoods of M clusters x D examples planned
 * from the cluster index, labels [cluster, class], scored by the paper's L-nearest-cluster rule.
 */
public final class MagnetObjective extends Objective {
  MagnetObjective(MagnetParams params) {
    super(params, BatchSampling.NEIGHBOURHOODS, LabelEncoding.CLUSTER_AND_CLASS,
        new Classifier("cluster rule", Metric.CLUSTER_ACCURACY));
  }

  @Override
  public Head head(int numClasses) {
    return Head.embedding(new MagnetLoss(params().alpha()));
  }

  /**
   * Every seed needs M-1 clusters of other classes: K per class gives (classes with examples - 1) * K.
   * And some class needs more than K examples: otherwise K-means makes every example its own
   * cluster, σ² is 0 and the loss is 0 for every batch — a run that would train nothing.
   */
  @Override
  public void checkData(Map<Integer, Long> classCounts, int numClasses) {
    super.checkData(classCounts, numClasses);
    long largest = classCounts.values().stream().mapToLong(Long::longValue).max().orElse(0);
    if (!classCounts.isEmpty() && largest <= params().clustersPerClass()) {
      throw new IllegalArgumentException("every class has at most K=" + params().clustersPerClass()
          + " examples (the largest has " + largest + "), so each example would be a cluster of its own, σ² 0 and"
          + " the Magnet loss 0 for every batch; choose K below the class sizes");
    }
    long present = classCounts.size();
    long impostors = (present - 1) * params().clustersPerClass();
    if (impostors < params().clustersPerBatch() - 1) {
      throw new IllegalArgumentException("M-1 impostor clusters are needed but " + present + " classes with examples"
          + " and K=" + params().clustersPerClass() + " give at most " + impostors + "; M="
          + params().clustersPerBatch());
    }
  }

  /** The neighbourhood sampler's seeds and impostors, D members each. */
  @Override
  public GroupPlanner planner(ClusterIndex index, Map<Integer, Long> classCounts) {
    NeighbourhoodSampler sampler = new NeighbourhoodSampler(index, params().clustersPerBatch(),
        params().examplesPerCluster());
    int d = params().examplesPerCluster();
    return new GroupPlanner() {
      @Override
      public int[] next(SplittableRandom random) {
        return sampler.next(random).clusters();
      }

      @Override
      public int draws() {
        return d;
      }
    };
  }

  /** D: the draws of one cluster of a neighbourhood. */
  @Override
  public int minExamplesPerClass() {
    return params().examplesPerCluster();
  }
}
