package dev.magnet.spark.experiment.tune;

import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.ml.MagnetEstimator;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.util.Arguments;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;

/**
 * The hyper-parameters {@code experiment tune} searches for one loss, as a grid of Spark ML
 * {@link ParamMap}s over {@link MagnetEstimator}'s params ({@link ParamGridBuilder}), from which a
 * seeded random search draws the trials: the estimator's own configuration first, then up to
 * {@code trials − 1} distinct grid points. Every loss gets the same number of trials (all of its
 * grid when that is smaller), the equal budget of Musgrave, Belongie and Lim's protocol.
 *
 * <ul>
 *   <li>every loss: Adam's learning rate {@link #LEARNING_RATES} and the embedding width {@link #EMBEDDING_DIMS};
 *   <li>Magnet: α {@link #ALPHAS}, K {@link #CLUSTERS_PER_CLASS}, the batch's shape M×D
 *       {@link #BATCH_SHAPES} (48 rows, as every loss's batch), and index refreshes per epoch
 *       {@link #REFRESHES_PER_EPOCH}; grid points whose seeds would lack impostor clusters
 *       ((classes − 1)·K &lt; M − 1) are left out;
 *   <li>triplet: the margin {@link #TRIPLET_MARGINS}.
 * </ul>
 *
 * <p>Refreshes per epoch are what a chosen configuration states ({@code --refreshes-per-epoch},
 * {@link #trainOptions}), so that it means the same on the tuning split and on the whole training
 * set: an interval in batches would refresh six times as often an epoch on 60,000 examples as on
 * the 10,000 it was tuned on.
 */
public final class SearchSpace {
  public static final double[] LEARNING_RATES = {3e-4, 1e-3, 3e-3};
  public static final int[] EMBEDDING_DIMS = {32, 64, 128};
  public static final double[] ALPHAS = {0.25, 0.5, 1, 2, 4};
  public static final int[] CLUSTERS_PER_CLASS = {1, 2, 4, 8, 16};
  /** M×D pairs of 48 rows: the paper's 12×4, and fewer, larger clusters. */
  public static final int[][] BATCH_SHAPES = {{12, 4}, {8, 6}, {6, 8}};
  public static final int[] REFRESHES_PER_EPOCH = {1, 2, 5};
  public static final double[] TRIPLET_MARGINS = {0.05, 0.1, 0.2, 0.4};

  private final LossKind loss;
  private final MagnetEstimator estimator;
  private final int classes;

  /**
   * @param estimator the estimator searched, holding the configuration of the first trial
   * @param classes the classes trained on (the coarse ones on the hierarchy task)
   */
  public SearchSpace(MagnetEstimator estimator, int classes) {
    this.estimator = estimator;
    this.loss = estimator.magnetParams().loss();
    this.classes = classes;
  }

  /**
   * Every grid point, sorted by their values: {@link ParamGridBuilder}'s own order follows the
   * params' hash codes, which include the estimator's random uid, so the same seed would draw
   * other trials in another run.
   */
  public List<SearchPoint> grid() {
    ParamGridBuilder builder = new ParamGridBuilder()
        .addGrid(estimator.learningRate(), LEARNING_RATES)
        .addGrid(estimator.embeddingDim(), EMBEDDING_DIMS);
    if (loss == LossKind.MAGNET) {
      builder.addGrid(estimator.alpha(), ALPHAS).addGrid(estimator.clustersPerClass(), CLUSTERS_PER_CLASS);
    } else if (loss == LossKind.TRIPLET) {
      builder.addGrid(estimator.tripletMargin(), TRIPLET_MARGINS);
    }
    List<SearchPoint> points = new ArrayList<>();
    for (ParamMap map : builder.build()) {
      if (loss != LossKind.MAGNET) {
        points.add(SearchPoint.of(estimator, map, null));
        continue;
      }
      // M and D change together (the batch stays 48 rows), which a grid of independent params cannot say.
      for (int[] shape : BATCH_SHAPES) {
        int k = (Integer) map.apply(estimator.clustersPerClass());
        if ((long) (classes - 1) * k < shape[0] - 1) {
          continue;
        }
        for (int refreshes : REFRESHES_PER_EPOCH) {
          ParamMap point = map.copy().put(estimator.clustersPerBatch(), shape[0])
              .put(estimator.examplesPerCluster(), shape[1]);
          points.add(SearchPoint.of(estimator, point, refreshes));
        }
      }
    }
    points.sort(Comparator.comparing(p -> p.values().toString()));
    return points;
  }

  /** The estimator's own configuration as a point of this space. */
  public SearchPoint own() {
    ParamMap map = new ParamMap().put(estimator.learningRate(), estimator.getLearningRate())
        .put(estimator.embeddingDim(), estimator.getEmbeddingDim());
    Integer refreshes = null;
    if (loss == LossKind.MAGNET) {
      map.put(estimator.alpha(), estimator.getAlpha()).put(estimator.clustersPerClass(), estimator.getClustersPerClass())
          .put(estimator.clustersPerBatch(), estimator.getClustersPerBatch())
          .put(estimator.examplesPerCluster(), estimator.getExamplesPerCluster());
      refreshes = estimator.getRefreshesPerEpoch() > 0 ? Integer.valueOf(estimator.getRefreshesPerEpoch())
          : estimator.getRefreshEveryBatches() == 0 ? Integer.valueOf(1) : null;
    } else if (loss == LossKind.TRIPLET) {
      map.put(estimator.tripletMargin(), estimator.getTripletMargin());
    }
    return SearchPoint.of(estimator, map, refreshes);
  }

  /**
   * The trials: the estimator's own configuration, then grid points drawn without replacement by
   * a generator seeded with {@code seed}, {@code trials} in all (fewer when the grid is smaller).
   */
  public List<SearchPoint> draw(int trials, long seed) {
    if (trials < 1) {
      throw new IllegalArgumentException("--trials must be at least 1; trials=" + trials);
    }
    SearchPoint own = own();
    List<SearchPoint> grid = new ArrayList<>(grid());
    grid.removeIf(p -> p.values().equals(own.values()));
    SplittableRandom random = new SplittableRandom(seed);
    List<SearchPoint> drawn = new ArrayList<>(List.of(own));
    while (drawn.size() < trials && !grid.isEmpty()) {
      drawn.add(grid.remove(random.nextInt(grid.size())));
    }
    return drawn;
  }

  /**
   * The train options that state a point's hyper-parameters, every one explicitly (a file that
   * left out a default would change meaning if the default changed). Magnet's refresh interval is
   * stated as {@code --refreshes-per-epoch} when it was searched, which holds whatever the size of
   * the data trained on.
   */
  public static List<String> trainOptions(SearchPoint point, LossKind loss) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put(TrainArgs.LOSS, EnumSpelling.of(loss));
    point.values().forEach((name, value) -> {
      String option = OPTIONS.get(name);
      if (option != null) {
        options.put(option, value instanceof Double d ? Arguments.plain(d) : value.toString());
      }
    });
    if (loss == LossKind.MAGNET) {
      if (point.refreshesPerEpoch() != null) {
        options.put(TrainArgs.REFRESHES_PER_EPOCH, Integer.toString(point.refreshesPerEpoch()));
      } else {
        options.put(TrainArgs.REFRESH_EVERY, Integer.toString(point.ownRefreshEvery()));
      }
    }
    List<String> words = new ArrayList<>();
    options.forEach((option, value) -> {
      words.add(option);
      words.add(value);
    });
    return words;
  }

  /** The train option of each searched param. */
  private static final Map<String, String> OPTIONS = Map.of("learningRate", TrainArgs.LEARNING_RATE,
      "embeddingDim", TrainArgs.EMBEDDING_DIM, "alpha", TrainArgs.ALPHA, "clustersPerClass",
      TrainArgs.CLUSTERS_PER_CLASS, "clustersPerBatch", TrainArgs.CLUSTERS_PER_BATCH, "examplesPerCluster",
      TrainArgs.EXAMPLES_PER_CLUSTER, "tripletMargin", TrainArgs.TRIPLET_MARGIN);

  /** The names of the params this space searches, for the tables. */
  public Set<String> names() {
    return new LinkedHashSet<>(own().values().keySet());
  }
}
