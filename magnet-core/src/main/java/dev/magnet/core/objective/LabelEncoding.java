package dev.magnet.core.objective;

import dev.magnet.core.loss.BatchHardTripletLoss;
import dev.magnet.core.loss.MagnetLoss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a batch's labels are encoded for its loss. An enum, so that the executors' closures that
 * build batches carry it for free.
 */
public enum LabelEncoding {
  /** [cluster key, class key] per row, for {@link MagnetLoss}. */
  CLUSTER_AND_CLASS {
    @Override
    public INDArray encode(int[] groups, int[] classes, int numClasses, DataType type) {
      return MagnetLoss.labels(groups, classes, type);
    }
  },
  /** [class key] per row, for {@link BatchHardTripletLoss}. */
  CLASS {
    @Override
    public INDArray encode(int[] groups, int[] classes, int numClasses, DataType type) {
      return BatchHardTripletLoss.labels(classes, type);
    }
  },
  /** One-hot rows over the classes, for softmax cross-entropy. */
  ONE_HOT {
    @Override
    public INDArray encode(int[] groups, int[] classes, int numClasses, DataType type) {
      INDArray oneHot = Nd4j.zeros(type, classes.length, numClasses);
      for (int i = 0; i < classes.length; i++) {
        oneHot.putScalar(i, classes[i], 1.0);
      }
      return oneHot;
    }
  };

  /**
   * The labels of a batch's rows.
   *
   * @param groups each row's group (cluster for Magnet; ignored by the others)
   * @param classes each row's class id
   * @param numClasses classes of the data (the width of one-hot rows)
   */
  public abstract INDArray encode(int[] groups, int[] classes, int numClasses, DataType type);
}
