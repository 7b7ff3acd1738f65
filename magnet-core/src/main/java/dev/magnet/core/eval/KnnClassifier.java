package dev.magnet.core.eval;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.distance.Neighbours;
import dev.magnet.core.matrix.Matrices;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * k-nearest-neighbour classification against labelled reference embeddings. The k nearest
 * references vote with equal weight; a tie between classes goes to the tied class whose member
 * ranks nearest. One neighbour search can serve several k ({@link #vote(Neighbours, int)} reads the
 * first k of a deeper search), which the evaluator uses to get k=1 from the k=10 search.
 */
public final class KnnClassifier {

  private final INDArray references;
  private final int[] labels;
  private final int blockRows;

  /** A classifier over {@code references} [n, d] with one label per row. */
  public KnnClassifier(INDArray references, int[] labels, int blockRows) {
    Matrices.checkMatrix(references, "references");
    if (references.rows() != labels.length) {
      throw new IllegalArgumentException("references and labels must have the same rows; references="
          + references.rows() + ", labels=" + labels.length);
    }
    if (blockRows <= 0) {
      throw new IllegalArgumentException("blockRows must be positive; blockRows=" + blockRows);
    }
    this.references = references;
    this.labels = labels.clone();
    this.blockRows = blockRows;
  }

  /** A classifier with the default distance block size. */
  public KnnClassifier(INDArray references, int[] labels) {
    this(references, labels, Distances.DEFAULT_BLOCK_ROWS);
  }

  /** The k nearest references of each query. */
  public Neighbours neighbours(INDArray queries, int k) {
    return Distances.nearest(queries, references, k, false, blockRows);
  }

  /** The k nearest other references of each reference (leave-one-out). */
  public Neighbours leaveOneOutNeighbours(int k) {
    return Distances.nearest(references, references, k, true, blockRows);
  }

  /** The predicted label of each query. */
  public int[] predict(INDArray queries, int k) {
    return vote(neighbours(queries, k), k);
  }

  /** The predicted label of each reference from the others (leave-one-out). */
  public int[] predictLeaveOneOut(int k) {
    return vote(leaveOneOutNeighbours(k), k);
  }

  /** Majority vote over the first k neighbours of each query of an earlier search. */
  public int[] vote(Neighbours neighbours, int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive; k=" + k);
    }
    int[] predicted = new int[neighbours.queries()];
    for (int q = 0; q < predicted.length; q++) {
      int[] nearest = neighbours.indices()[q];
      int used = Math.min(k, nearest.length);
      if (used == 0) {
        throw new IllegalArgumentException("every query needs a neighbour; query=" + q);
      }
      Map<Integer, Integer> votes = new HashMap<>();
      int most = 0;
      for (int i = 0; i < used; i++) {
        most = Math.max(most, votes.merge(labels[nearest[i]], 1, Integer::sum));
      }
      for (int i = 0; i < used; i++) {
        if (votes.get(labels[nearest[i]]) == most) {
          predicted[q] = labels[nearest[i]];
          break;
        }
      }
    }
    return predicted;
  }

  /** Fraction of positions where {@code predicted} equals {@code truth}. */
  public static double accuracy(int[] predicted, int[] truth) {
    if (predicted.length != truth.length || truth.length == 0) {
      throw new IllegalArgumentException("predictions and truth must have the same, non-zero length;"
          + " predicted=" + predicted.length + ", truth=" + truth.length);
    }
    int correct = 0;
    for (int i = 0; i < truth.length; i++) {
      correct += predicted[i] == truth[i] ? 1 : 0;
    }
    return (double) correct / truth.length;
  }
}
