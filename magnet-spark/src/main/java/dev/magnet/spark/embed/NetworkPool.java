package dev.magnet.spark.embed;

import dev.magnet.spark.train.NetworkSnapshot;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The networks restored in this executor JVM, for reuse by the partitions that follow: restoring
 * a network (parsing its configuration, building its native-op layers, copying its parameters)
 * costs more than embedding a small partition, and an image corpus comes in many small
 * partitions. A network serves one task at a time (DL4J networks are not thread-safe), so
 * concurrent tasks each take their own; an executor holds at most one per core.
 *
 * <p>Only the latest job's networks are kept: a new job key drops the others, so that a
 * long-lived executor does not accumulate the networks of finished jobs.
 */
final class NetworkPool {
  private static final Map<String, Queue<MultiLayerNetwork>> POOLS = new ConcurrentHashMap<>();

  private NetworkPool() {}

  /** A network of {@code key}'s snapshot: an idle one, or a fresh restore. */
  static MultiLayerNetwork take(String key, NetworkSnapshot snapshot) {
    if (!POOLS.containsKey(key)) {
      POOLS.keySet().removeIf(other -> !other.equals(key));
    }
    MultiLayerNetwork network = POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
    return network != null ? network : snapshot.restore();
  }

  /** Returns a network for the next partition of the same job. */
  static void give(String key, MultiLayerNetwork network) {
    Queue<MultiLayerNetwork> pool = POOLS.get(key);
    if (pool != null) {
      pool.add(network);
    }
  }
}
