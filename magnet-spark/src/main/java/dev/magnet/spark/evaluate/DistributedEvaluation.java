package dev.magnet.spark.evaluate;

import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.eval.RetrievalMetrics;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.data.EmbeddedExample;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.executor.ExampleEmbeddings;
import dev.magnet.spark.neighbours.ExactSearch;
import dev.magnet.spark.neighbours.Hits;
import dev.magnet.spark.neighbours.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

/**
 * {@code evaluate} beyond the driver budget (docs/design.md, "Evaluation at scale"): the data sets
 * are embedded on the executors and stay there; k-NN and leave-one-out retrieval run on the
 * blocked exact search ({@link ExactSearch}), whose distances are the driver's
 * ({@code Distances}), ties by id as the driver's by row (rows are in id order there); each query's
 * votes and retrieval scores are computed where its neighbours are, with the core's own code
 * ({@link RetrievalMetrics.Totals}, exact sums), and only counts and sums reach the driver. So
 * k-NN accuracy, Recall@K, R-Precision and MAP@R are the driver path's to the bit, and the
 * driver's memory does not grow with the data. The cluster rule runs per partition. NMI and the
 * softmax head's argmax accuracy, which need every test embedding in one place, are not computed
 * on this path.
 */
final class DistributedEvaluation {
  /** The larger k of the k-NN metrics, as the core's evaluator. */
  private static final int KNN_DEPTH = 10;

  private DistributedEvaluation() {}

  /** An embedded example as the exact search takes it: its labels as "class,fine". */
  private static JavaRDD<Item> items(JavaRDD<EmbeddedExample> embedded) {
    return embedded.map(e -> new Item(e.id(), null, e.label() + "," + e.fineLabel(), e.embedding()));
  }

  private static int coarse(String labels) {
    return Integer.parseInt(labels.substring(0, labels.indexOf(',')));
  }

  private static int fine(String labels) {
    return Integer.parseInt(labels.substring(labels.indexOf(',') + 1));
  }

  /**
   * The metrics of {@code metrics} this path computes, named as the core's evaluator names them.
   *
   * @param train the training set for k-NN, or null
   */
  static Map<String, Double> evaluate(JavaSparkContext spark, ModelArtifact artifact, SparkDataset test,
      SparkDataset train, Set<Metric> metrics) {
    ExampleEmbeddings.Embedded testEmbeddings = ExampleEmbeddings.embed(spark, test.examples(), test.inputShape(),
        artifact.network()).persist("magnet test embeddings", StorageLevel.MEMORY_AND_DISK());
    ExampleEmbeddings.Embedded trainEmbeddings = null;
    try {
      trainEmbeddings = train == null ? null : ExampleEmbeddings.embed(spark, train.examples(), train.inputShape(),
          artifact.network()).persist("magnet training embeddings", StorageLevel.MEMORY_AND_DISK());
      JavaRDD<EmbeddedExample> testEmbedded = testEmbeddings.rdd();
      JavaRDD<EmbeddedExample> trainEmbedded = trainEmbeddings == null ? null : trainEmbeddings.rdd();
      long n = testEmbedded.count();
      boolean fineTest = testEmbedded.filter(e -> e.fineLabel() < 0).isEmpty();
      boolean fineTrain = trainEmbedded != null && trainEmbedded.filter(e -> e.fineLabel() < 0).isEmpty();
      Map<String, Double> values = new LinkedHashMap<>();
      if (metrics.contains(Metric.CLUSTER_ACCURACY)) {
        values.put(Metric.CLUSTER_ACCURACY.names().get(0), (double) clusterRuleCorrect(spark, artifact, testEmbedded) / n);
      }
      JavaRDD<Item> testItems = items(testEmbedded).persist(StorageLevel.MEMORY_AND_DISK());
      int partitions = Math.max(1, testItems.getNumPartitions());
      boolean knn = metrics.contains(Metric.KNN1_ACCURACY) || metrics.contains(Metric.KNN10_ACCURACY);
      if (knn && trainEmbedded != null) {
        JavaRDD<Item> trainItems = items(trainEmbedded);
        long[] correct = knnCorrect(ExactSearch.nearest(testItems, trainItems, ExactSearch.Depth.constant(KNN_DEPTH),
            false, ExactSearch.DEFAULT_BLOCK_ROWS, partitions), testItems, fineTest && fineTrain);
        putKnn(values, "", metrics, correct[0], correct[1], n);
        if (fineTest && fineTrain) {
          putKnn(values, Evaluator.FINE_PREFIX, metrics, correct[2], correct[3], n);
        }
      }
      boolean retrieval = metrics.contains(Metric.PRECISION_AT_1) || metrics.contains(Metric.RECALL_AT_K)
          || metrics.contains(Metric.R_PRECISION) || metrics.contains(Metric.MAP_AT_R);
      boolean fineLeaveOneOut = knn && fineTest && !fineTrain;
      if (retrieval || fineLeaveOneOut) {
        Map<Integer, Long> coarseCounts = testEmbedded.map(EmbeddedExample::label).countByValue();
        Map<Integer, Long> fineCounts = fineTest ? testEmbedded.map(EmbeddedExample::fineLabel).countByValue() : Map.of();
        Broadcast<HashMap<Integer, Long>> coarseShared = spark.broadcast(new HashMap<>(coarseCounts));
        Broadcast<HashMap<Integer, Long>> fineShared = spark.broadcast(new HashMap<>(fineCounts));
        try {
          boolean withFine = fineTest;
          ExactSearch.Depth depth = item -> {
            int d = RetrievalMetrics.depth((int) (coarseShared.value().get(coarse(item.label())) - 1));
            if (withFine) {
              d = Math.max(d, RetrievalMetrics.depth((int) (fineShared.value().get(fine(item.label())) - 1)));
            }
            return Math.max(d, KNN_DEPTH);
          };
          JavaPairRDD<Long, Tuple2<Hits, String>> found = ExactSearch.nearest(testItems, testItems, depth, true,
              ExactSearch.DEFAULT_BLOCK_ROWS, partitions)
              .join(testItems.mapToPair(i -> new Tuple2<>(i.id(), i.label())));
          Tuple2<RetrievalMetrics.Totals, RetrievalMetrics.Totals> totals = found.map(q -> {
            Hits hits = q._2()._1();
            String labels = q._2()._2();
            RetrievalMetrics.Totals c = new RetrievalMetrics.Totals();
            RetrievalMetrics.Totals f = new RetrievalMetrics.Totals();
            add(c, hits, coarse(labels), (int) (coarseShared.value().get(coarse(labels)) - 1), true);
            if (withFine) {
              add(f, hits, fine(labels), (int) (fineShared.value().get(fine(labels)) - 1), false);
            }
            return new Tuple2<>(c, f);
          }).reduce((a, b) -> new Tuple2<>(a._1().merge(b._1()), a._2().merge(b._2())));
          boolean rankR = metrics.contains(Metric.R_PRECISION) || metrics.contains(Metric.MAP_AT_R);
          if (retrieval) {
            totals._1().result(rankR, n).putInto(values, "", metrics);
          }
          if (fineLeaveOneOut) {
            long[] correct = knnCorrect(found.mapValues(Tuple2::_1), testItems, true);
            putKnn(values, Evaluator.FINE_PREFIX, metrics, correct[2], correct[3], n);
          }
          if (retrieval && withFine) {
            totals._2().result(rankR, n).putInto(values, Evaluator.FINE_PREFIX, metrics);
          }
        } finally {
          coarseShared.destroy();
          fineShared.destroy();
        }
      }
      testItems.unpersist();
      return values;
    } finally {
      testEmbeddings.close();
      if (trainEmbeddings != null) {
        trainEmbeddings.close();
      }
    }
  }

  /** Adds one query's neighbours' labels (coarse or fine) to the totals. */
  private static void add(RetrievalMetrics.Totals totals, Hits hits, int label, int r, boolean coarseLabels) {
    if (r == 0) {
      return;
    }
    int depth = Math.min(hits.size(), RetrievalMetrics.depth(r));
    int[] labels = new int[depth];
    for (int i = 0; i < depth; i++) {
      labels[i] = coarseLabels ? coarse(hits.label(i)) : fine(hits.label(i));
    }
    totals.add(labels, label, r);
  }

  /** Correct 1-NN and 10-NN votes by class and, with {@code fine}, by fine label: four counts. */
  private static long[] knnCorrect(JavaPairRDD<Long, Hits> neighbours, JavaRDD<Item> queries, boolean fine) {
    return neighbours.join(queries.mapToPair(q -> new Tuple2<>(q.id(), q.label()))).map(q -> {
      Hits hits = q._2()._1();
      String labels = q._2()._2();
      int[] coarse = new int[Math.min(KNN_DEPTH, hits.size())];
      int[] fines = new int[coarse.length];
      for (int i = 0; i < coarse.length; i++) {
        coarse[i] = coarse(hits.label(i));
        fines[i] = fine(hits.label(i));
      }
      long[] c = new long[4];
      c[0] = vote(coarse, 1) == coarse(labels) ? 1 : 0;
      c[1] = vote(coarse, KNN_DEPTH) == coarse(labels) ? 1 : 0;
      if (fine) {
        c[2] = vote(fines, 1) == fine(labels) ? 1 : 0;
        c[3] = vote(fines, KNN_DEPTH) == fine(labels) ? 1 : 0;
      }
      return c;
    }).reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
  }

  /** {@code KnnClassifier.vote}'s rule: the majority of the first k; a tie goes to the tied class ranked nearest. */
  static int vote(int[] nearest, int k) {
    int used = Math.min(k, nearest.length);
    Map<Integer, Integer> votes = new HashMap<>();
    int most = 0;
    for (int i = 0; i < used; i++) {
      most = Math.max(most, votes.merge(nearest[i], 1, Integer::sum));
    }
    for (int i = 0; i < used; i++) {
      if (votes.get(nearest[i]) == most) {
        return nearest[i];
      }
    }
    throw new IllegalArgumentException("every query needs a neighbour");
  }

  private static long clusterRuleCorrect(JavaSparkContext spark, ModelArtifact artifact,
      JavaRDD<EmbeddedExample> embedded) {
    float[][] centroids = Matrices.toFloatRows(artifact.index().centroidMatrix());
    int[] classes = artifact.index().clusterClasses();
    int numClasses = artifact.index().numClasses();
    double sigma2 = artifact.index().sigma2();
    int l = artifact.params().nearestClusters();
    Broadcast<float[][]> shared = spark.broadcast(centroids);
    long correct;
    try {
      correct = embedded.mapPartitions(partition -> {
        List<EmbeddedExample> rows = new ArrayList<>();
        partition.forEachRemaining(rows::add);
        if (rows.isEmpty()) {
          return List.of(0L).iterator();
        }
        float[][] vectors = new float[rows.size()][];
        for (int i = 0; i < vectors.length; i++) {
          vectors[i] = rows.get(i).embedding();
        }
        float[][] c = shared.value();
        INDArray centroidMatrix = Matrices.fromFloats(flatten(c), c.length, c[0].length);
        INDArray queries = Matrices.fromFloats(flatten(vectors), vectors.length, vectors[0].length);
        int[] predicted = new ClusterClassifier(centroidMatrix, classes, numClasses, sigma2, l).predict(queries);
        long right = 0;
        for (int i = 0; i < predicted.length; i++) {
          right += predicted[i] == rows.get(i).label() ? 1 : 0;
        }
        return List.of(right).iterator();
      }).reduce(Long::sum);
    } finally {
      shared.destroy();
    }
    return correct;
  }

  private static float[] flatten(float[][] rows) {
    float[] flat = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
    }
    return flat;
  }

  private static void putKnn(Map<String, Double> values, String prefix, Set<Metric> metrics, long knn1, long knn10,
      long n) {
    if (metrics.contains(Metric.KNN1_ACCURACY)) {
      values.put(prefix + Metric.KNN1_ACCURACY.names().get(0), (double) knn1 / n);
    }
    if (metrics.contains(Metric.KNN10_ACCURACY)) {
      values.put(prefix + Metric.KNN10_ACCURACY.names().get(0), (double) knn10 / n);
    }
  }
}
