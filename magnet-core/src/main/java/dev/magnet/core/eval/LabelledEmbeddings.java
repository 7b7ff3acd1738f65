package dev.magnet.core.eval;

import dev.magnet.core.matrix.Matrices;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Embeddings [n, E] with one class label per row.
 *
 * @param embeddings a 2-D matrix, one embedding per row
 * @param labels the class of each row (copied)
 */
public record LabelledEmbeddings(INDArray embeddings, int[] labels) {

  /** Checks the shapes and copies the labels. */
  public LabelledEmbeddings {
    Matrices.checkMatrix(embeddings, "embeddings");
    if (embeddings.rows() != labels.length) {
      throw new IllegalArgumentException("embeddings and labels must have the same rows; embeddings="
          + embeddings.rows() + ", labels=" + labels.length);
    }
    labels = labels.clone();
  }
}
