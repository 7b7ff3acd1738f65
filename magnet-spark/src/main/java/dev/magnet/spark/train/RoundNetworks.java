package dev.magnet.spark.train;

import dev.magnet.core.nn.NetworkFactory;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The workers' networks of parameter averaging's finished rounds in this JVM, whose native arrays
 * are freed when the next round of the same training starts instead of when the garbage collector
 * gets to them.
 *
 * <p>DL4J 1.0.0-M2's worker builds a new network every round (a copy of the broadcast parameters,
 * a gradient array as large, a copy of the updater state: four times the parameters with Adam, for
 * each task) and leaves it to the garbage collector, which frees ND4J's native arrays only when it
 * collects their Java objects; an almost empty heap collects late, so these piled up in the native
 * memory the JVM does not account for (docs/benchmarks.md, "Where the memory goes"). A round's
 * result is the network's own parameter and updater arrays, serialised after the task returns, so
 * they cannot be closed when the task ends; once the next round of the same training starts, the
 * driver has received every result of the previous one (a round is one Spark job, and the next is
 * broadcast from their average), and the previous round's networks are no one's.
 *
 * <p>Not safe with speculative execution (a copy of a finished round's task may still be running),
 * where {@link AveragingMaster} does not use this. Networks are held weakly: a training that ends
 * leaves its last round's networks to the collector, as DL4J does.
 */
final class RoundNetworks {
  private record Held(String training, long round, WeakReference<MultiLayerNetwork> network) {}

  private static final List<Held> HELD = new ArrayList<>();

  private RoundNetworks() {}

  /**
   * Frees the native arrays of this JVM's networks of {@code training}'s rounds before
   * {@code round}, and forgets networks already collected.
   *
   * @return how many networks were freed
   */
  static synchronized int closeBefore(String training, long round) {
    int closed = 0;
    for (Iterator<Held> it = HELD.iterator(); it.hasNext();) {
      Held held = it.next();
      MultiLayerNetwork network = held.network().get();
      if (network == null) {
        it.remove();
      } else if (held.training().equals(training) && held.round() < round) {
        it.remove();
        NetworkFactory.close(network);
        closed++;
      }
    }
    return closed;
  }

  /** Holds {@code network}, the worker's network of {@code training}'s {@code round}, until a later round frees it. */
  static synchronized void hold(String training, long round, MultiLayerNetwork network) {
    HELD.add(new Held(training, round, new WeakReference<>(network)));
  }

  /** How many networks this JVM holds (collected ones included until the next {@link #closeBefore}). */
  static synchronized int held() {
    return HELD.size();
  }
}
