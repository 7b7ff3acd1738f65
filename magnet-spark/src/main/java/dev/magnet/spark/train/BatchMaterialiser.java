package dev.magnet.spark.train;

import dev.magnet.core.objective.LabelEncoding;
import dev.magnet.core.sampling.NeighbourhoodSampler;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.FeatureEncoding;
import dev.magnet.spark.data.image.Augmenter;
import dev.magnet.spark.executor.LossGuard;
import dev.magnet.spark.executor.TaskFaults;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

/**
 * Turns a batch plan into DL4J {@code DataSet}s on the executors (docs/design.md, "One epoch, as data flows", steps 4–5).
 *
 * <p>The plan is B batches × S slots of group ids (clusters for Magnet, classes for triplet).
 * Executors group example ids by group, draw {@code draws} members for every (batch, slot)
 * occurrence of their groups — exact stratified sampling; a group smaller than {@code draws} is
 * drawn with replacement — and key each draw by its row in its batch. The draws are joined with
 * the examples by id, so only the sampled examples' raw bytes cross the shuffle, and each batch
 * is decoded into one {@code DataSet} of exactly S × draws rows, in slot order. The driver only
 * holds the plan, never the example ids.
 *
 * <p>Training augmentation ({@link Augmenter}) is applied there too, on the executors, to each
 * row as its batch is decoded, seeded by the chunk's seed (run, epoch, chunk), the batch and the
 * row: the same seed gives the same bits, and an example drawn twice gets two draws.
 */
public final class BatchMaterialiser {
  /** Mixed into the augmentation's seeds, so that they never repeat the member draws' seeds. */
  private static final long AUGMENT_SALT = 0x6175676d656e74L;

  private BatchMaterialiser() {}

  /**
   * Planned batches ({@code batches}, lazy; the caller may persist them) and the broadcast plan
   * they are drawn with, which a lost partition needs again: close it where the batches' use ends
   * (in a finally), which unpersists them and destroys the broadcast.
   */
  public record Planned(JavaRDD<DataSet> batches, Broadcast<Map<Integer, int[]>> plan) implements AutoCloseable {
    @Override
    public void close() {
      batches.unpersist(false);
      plan.destroy(false);
    }
  }

  /**
   * @param examplesById the training examples keyed by id (partitioned and persisted by the caller)
   * @param members (group, example id) for every example
   * @param plan group of every (batch, slot)
   * @param labels how the objective encodes a batch's labels
   * @param augmenter what augments each row, or null for nothing
   */
  public static Planned planned(JavaSparkContext spark, JavaPairRDD<Long, Example> examplesById,
      JavaPairRDD<Integer, Long> members, int[][] plan, int draws, long seed, LabelEncoding labels, int numClasses,
      int partitions, Augmenter augmenter) {
    int slots = plan[0].length;
    int rows = slots * draws;
    Map<Integer, List<Integer>> occurrences = new HashMap<>();
    for (int b = 0; b < plan.length; b++) {
      for (int s = 0; s < slots; s++) {
        occurrences.computeIfAbsent(plan[b][s], g -> new ArrayList<>()).add(b * slots + s);
      }
    }
    Map<Integer, int[]> codes = new HashMap<>();
    occurrences.forEach((group, list) -> codes.put(group, list.stream().mapToInt(Integer::intValue).toArray()));
    Broadcast<Map<Integer, int[]>> shared = spark.broadcast(codes);

    JavaPairRDD<Long, Tuple2<Long, Integer>> sampled = members
        .filter(t -> shared.value().containsKey(t._1()))
        .groupByKey(partitions)
        .flatMapToPair(group -> {
          // Sorted, so the draws do not depend on the order the shuffle delivered the ids in.
          List<Long> list = new ArrayList<>();
          group._2().forEach(list::add);
          long[] ids = list.stream().mapToLong(Long::longValue).sorted().toArray();
          int[] positions = new int[ids.length];
          java.util.Arrays.setAll(positions, i -> i);
          List<Tuple2<Long, Tuple2<Long, Integer>>> out = new ArrayList<>();
          for (int code : shared.value().get(group._1())) {
            int[] drawn = NeighbourhoodSampler.drawMembers(positions, draws, new SplittableRandom(Seeds.mix(seed, code)));
            for (int i = 0; i < draws; i++) {
              long rowKey = (long) code * draws + i;
              out.add(new Tuple2<>(ids[drawn[i]], new Tuple2<>(rowKey, group._1())));
            }
          }
          return out.iterator();
        });
    JavaRDD<DataSet> batches = sampled.join(examplesById, partitions)
        .mapToPair(t -> {
          long rowKey = t._2()._1()._1();
          return new Tuple2<>((int) (rowKey / rows), new Row((int) (rowKey % rows), t._2()._1()._2(), t._2()._2()));
        })
        .groupByKey(partitions)
        .map(batch -> toDataSet(batch._1(), batch._2(), rows, labels, numClasses, augmenter, seed));
    return new Planned(batches.mapPartitions(TaskFaults::check), shared);
  }

  /**
   * Batches of {@code rows} examples in a seeded random order, each example at most once per
   * epoch — the softmax baseline's sampling; a last partial batch is dropped.
   *
   * @param numClasses width of the one-hot labels
   * @param batches how many batches to return (at most N / rows)
   * @param augmenter what augments each row, or null for nothing
   */
  public static JavaRDD<DataSet> shuffled(JavaRDD<Example> examples, int rows, int batches, int numClasses,
      long seed, int partitions, Augmenter augmenter) {
    long keep = (long) batches * rows;
    return examples
        .mapToPair(e -> new Tuple2<>(Seeds.mix(seed, e.id()), e))
        .sortByKey(true, partitions)
        .values()
        .zipWithIndex()
        .filter(t -> t._2() < keep)
        .mapToPair(t -> new Tuple2<>((int) (t._2() / rows), new Row((int) (t._2() % rows), -1, t._1())))
        .groupByKey(partitions)
        .map(batch -> toDataSet(batch._1(), batch._2(), rows, LabelEncoding.ONE_HOT, numClasses, augmenter, seed))
        .mapPartitions(TaskFaults::check);
  }

  /** One row of a batch while it is being assembled: its position, its group and its example. */
  record Row(int position, int group, Example example) implements java.io.Serializable {}

  private static Row[] ordered(Iterable<Row> rows, int count, int batch) {
    Row[] ordered = new Row[count];
    int seen = 0;
    for (Row row : rows) {
      ordered[row.position()] = row;
      seen++;
    }
    if (seen != count) {
      throw new IllegalStateException("batch " + batch + " has " + seen + " rows; expected " + count);
    }
    return ordered;
  }

  private static INDArray features(Row[] ordered, int batch, Augmenter augmenter, long seed) {
    List<Example> examples = new ArrayList<>(ordered.length);
    for (int i = 0; i < ordered.length; i++) {
      Example e = ordered[i].example();
      if (augmenter != null) {
        if (e.encoding() != FeatureEncoding.UINT8) {
          throw new IllegalArgumentException("augmentation needs 8-bit images; example " + e.id() + " is "
              + e.encoding());
        }
        byte[] augmented = augmenter.apply(e.features(), new SplittableRandom(Seeds.mix(seed, AUGMENT_SALT, batch, i)));
        e = new Example(e.id(), e.label(), e.fineLabel(), FeatureEncoding.UINT8, augmented);
      }
      examples.add(e);
    }
    return Example.matrix(examples);
  }

  static DataSet toDataSet(int batch, Iterable<Row> rows, int count, LabelEncoding labels, int numClasses,
      Augmenter augmenter, long seed) {
    Row[] ordered = ordered(rows, count, batch);
    int[] groups = new int[count];
    int[] classes = new int[count];
    for (int i = 0; i < count; i++) {
      groups[i] = ordered[i].group();
      classes[i] = ordered[i].example().label();
    }
    DataSet data = new DataSet(features(ordered, batch, augmenter, seed),
        labels.encode(groups, classes, numClasses, DataType.FLOAT));
    LossGuard.tag(data, batch);
    return data;
  }
}
