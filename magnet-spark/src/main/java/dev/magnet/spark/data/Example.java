package dev.magnet.spark.data;

import dev.magnet.core.matrix.Matrices;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training example as it lives in the Spark job: a stable id, its class, an optional fine
 * label (hierarchy experiments; -1 when none) and its features as encoded bytes.
 *
 * <p>A class rather than a record: it extends {@link LabelledRow}, as {@link EmbeddedExample} does.
 */
public final class Example extends LabelledRow {
  private static final long serialVersionUID = 1L;

  private FeatureEncoding encoding;
  private byte[] features;

  /** For serialisers. */
  public Example() {}

  public Example(long id, int label, int fineLabel, FeatureEncoding encoding, byte[] features) {
    super(id, label, fineLabel);
    this.encoding = encoding;
    this.features = features;
  }

  /** An example of float features. */
  public static Example ofFloats(long id, int label, int fineLabel, float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES);
    buffer.asFloatBuffer().put(values);
    return new Example(id, label, fineLabel, FeatureEncoding.FLOAT32, buffer.array());
  }

  public FeatureEncoding encoding() {
    return encoding;
  }

  /** The encoded bytes (not copied: examples are large and many). */
  public byte[] features() {
    return features;
  }

  /** Number of feature values. */
  public int size() {
    return encoding == FeatureEncoding.UINT8 ? features.length : features.length / Float.BYTES;
  }

  /** Decodes the features into {@code out} starting at {@code offset}. */
  public void decodeInto(float[] out, int offset) {
    if (encoding == FeatureEncoding.UINT8) {
      for (int i = 0; i < features.length; i++) {
        out[offset + i] = (features[i] & 0xFF) / 255f;
      }
    } else {
      ByteBuffer.wrap(features).asFloatBuffer().get(out, offset, size());
    }
  }

  public float[] decode() {
    float[] out = new float[size()];
    decodeInto(out, 0);
    return out;
  }

  /** A copy with another class label, keeping this one as the fine label. */
  public Example relabel(int coarseLabel) {
    return new Example(id(), coarseLabel, label(), encoding, features);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Example e && id() == e.id() && label() == e.label() && fineLabel() == e.fineLabel()
        && encoding == e.encoding && Arrays.equals(features, e.features);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id()) * 31 + label();
  }

  @Override
  public String toString() {
    return "Example[id=" + id() + ", label=" + label() + ", fineLabel=" + fineLabel() + ", " + encoding + " x" + size()
        + "]";
  }

  /** The decoded features of a batch of equally long examples as one [rows, values] matrix, in one bulk copy. */
  public static INDArray matrix(List<Example> batch) {
    int width = batch.get(0).size();
    float[] flat = new float[batch.size() * width];
    for (int i = 0; i < batch.size(); i++) {
      Example e = batch.get(i);
      if (e.size() != width) {
        throw new IllegalArgumentException("examples differ in feature count: " + e.size() + "!=" + width + "; id="
            + e.id());
      }
      e.decodeInto(flat, i * width);
    }
    return Matrices.fromFloats(flat, batch.size(), width);
  }
}
