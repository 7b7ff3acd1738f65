package dev.magnet.spark.experiment.tune;

import dev.magnet.spark.ml.MagnetEstimator;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamPair;
import scala.collection.JavaConverters;

/**
 * One configuration of a search: the estimator's params it sets, and how often the index is
 * refreshed, as refreshes per epoch (which become {@code refreshEveryBatches} once the epoch's
 * batches are known).
 *
 * @param values the params it sets by name, then {@value #REFRESHES} when searched: what the
 *     tables and tuning.json show
 * @param map the params it sets, without the refresh interval
 * @param refreshesPerEpoch index refreshes per epoch; null to keep {@code ownRefreshEvery}
 * @param ownRefreshEvery the estimator's own {@code refreshEveryBatches}, kept when refreshes per
 *     epoch are not searched
 */
public record SearchPoint(Map<String, Object> values, ParamMap map, Integer refreshesPerEpoch, int ownRefreshEvery) {
  /** The name of the refresh dimension in {@link #values}. */
  public static final String REFRESHES = "refreshesPerEpoch";
  /** The order of the params in {@link #values}: the network's, then the loss's. */
  static final List<String> ORDER = List.of("learningRate", "embeddingDim", "alpha", "clustersPerClass",
      "clustersPerBatch", "examplesPerCluster", "tripletMargin");

  public SearchPoint {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** The point of {@code map} on {@code estimator}, with {@code refreshesPerEpoch} (null: the estimator's interval). */
  static SearchPoint of(MagnetEstimator estimator, ParamMap map, Integer refreshesPerEpoch) {
    Map<String, Object> set = new HashMap<>();
    for (ParamPair<?> pair : JavaConverters.seqAsJavaList(map.toSeq())) {
      set.put(pair.param().name(), pair.value());
    }
    Map<String, Object> values = new LinkedHashMap<>();
    ORDER.stream().filter(set::containsKey).forEach(name -> values.put(name, set.get(name)));
    set.keySet().stream().filter(name -> !ORDER.contains(name)).sorted().forEach(name -> values.put(name, set.get(name)));
    if (refreshesPerEpoch != null) {
      values.put(REFRESHES, refreshesPerEpoch);
    }
    return new SearchPoint(values, map, refreshesPerEpoch, estimator.getRefreshEveryBatches());
  }

  /** {@code refreshEveryBatches} for epochs of {@code batchesPerEpoch}: 0 (once per epoch) for one refresh. */
  public int refreshEvery(int batchesPerEpoch) {
    if (refreshesPerEpoch == null) {
      return ownRefreshEvery;
    }
    return refreshesPerEpoch <= 1 ? 0 : Math.max(1, batchesPerEpoch / refreshesPerEpoch);
  }

  /** The params to fit with, for epochs of {@code batchesPerEpoch}. */
  public ParamMap paramMap(MagnetEstimator estimator, int batchesPerEpoch) {
    return map.copy().put(estimator.refreshEveryBatches(), refreshEvery(batchesPerEpoch))
        .put(estimator.refreshesPerEpoch(), 0);
  }

  /** "name=value" pairs, for a line of progress. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    values.forEach((name, value) -> text.append(text.length() == 0 ? "" : " ").append(name).append('=').append(value));
    return text.toString();
  }
}
