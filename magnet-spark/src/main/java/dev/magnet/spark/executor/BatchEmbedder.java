package dev.magnet.spark.executor;

import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.NetworkFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one routine that runs a network over a partition: inputs in, batches of embeddings out,
 * with the network's forward pass in a pipeline behind the inputs' preparation.
 *
 * <p>Each input is first <em>prepared</em> (an image file read and decoded, a row converted), on
 * this JVM's {@link DecodePool} when a preparation is given: while the task's thread runs the
 * network on one batch, the pool prepares the next {@link #LOOKAHEAD_BATCHES} batches, so decoding
 * (CPU-parallel, and waiting on storage) overlaps the forward pass, and at most that many batches
 * of prepared inputs are held at once whatever the partition's size. Then each prepared item
 * writes its values into the batch's input matrix ({@link Features}: unsigned 8-bit pixels or
 * float vectors) or declines (an undecodable file): declined items come out in their place in the
 * batch, without a row, so a caller sees every input exactly once and in order.
 *
 * <p>The network comes from the model's per-JVM state ({@link ExecutorModel.Local}) and goes back
 * when the partition is done; the cluster rule, when the model has one, classifies each batch.
 * A batch's embeddings ({@link Batch#embeddings}) are native memory, freed when the next batch is
 * taken or the embedder closed: copy out what is kept ({@link Batch#rows}). Close the embedder
 * when the task ends (a task-completion listener), also when it ends early.
 *
 * @param <T> a prepared input
 */
public final class BatchEmbedder<T> implements Iterator<BatchEmbedder.Batch<T>>, AutoCloseable {
  /** Batches prepared ahead of the one in the network. */
  public static final int LOOKAHEAD_BATCHES = 2;

  /**
   * How a prepared item becomes a row of the network's input.
   *
   * @param <T> a prepared item
   */
  @FunctionalInterface
  public interface Features<T> {
    /**
     * Writes the item's {@code size} input values into {@code out} from {@code offset}, or
     * returns false when the item has none (it is passed through without an embedding).
     */
    boolean write(T item, float[] out, int offset);

    /** Items that are unsigned 8-bit values (pixels), scaled by 1/255 as training scales IDX pixels; null declines. */
    static <T> Features<T> uint8(Function<T, byte[]> values) {
      return (item, out, offset) -> {
        byte[] v = values.apply(item);
        if (v == null) {
          return false;
        }
        for (int i = 0; i < v.length; i++) {
          out[offset + i] = (v[i] & 0xFF) / 255f;
        }
        return true;
      };
    }

    /** Items that are float vectors; null declines. */
    static <T> Features<T> floats(Function<T, float[]> values) {
      return (item, out, offset) -> {
        float[] v = values.apply(item);
        if (v == null) {
          return false;
        }
        System.arraycopy(v, 0, out, offset, v.length);
        return true;
      };
    }
  }

  /**
   * One batch: its items in input order, and for those with a row, the embedding (and the cluster
   * rule's classification when the model has one).
   *
   * @param <T> a prepared item
   */
  public static final class Batch<T> {
    private final List<T> items;
    private final int[] rowOf;
    private final INDArray embeddings;
    private final ClusterClassifier.Classified classified;
    private float[][] rows;

    Batch(List<T> items, int[] rowOf, INDArray embeddings, ClusterClassifier.Classified classified) {
      this.items = items;
      this.rowOf = rowOf;
      this.embeddings = embeddings;
      this.classified = classified;
    }

    /** The items, in input order, embedded or not. */
    public List<T> items() {
      return items;
    }

    /** The row of item {@code i} in {@link #embeddings}, or -1 when it declined. */
    public int row(int i) {
      return rowOf[i];
    }

    /** The embeddings, one row per item that has one; null when none has. Freed with the next batch. */
    public INDArray embeddings() {
      return embeddings;
    }

    /** The embeddings as Java arrays (copied once, on first call); empty when none. */
    public float[][] rows() {
      if (rows == null) {
        rows = embeddings == null ? new float[0][] : Matrices.toFloatRows(embeddings);
      }
      return rows;
    }

    /** The cluster rule's classification of the rows, or null when the model has no rule or no row. */
    public ClusterClassifier.Classified classified() {
      return classified;
    }
  }

  private final ExecutorModel.Local model;
  private final Iterator<?> inputs;
  private final Function<Object, T> prepare;
  private final Features<T> features;
  private final int batchSize;
  private final int size;
  private final ArrayDeque<Future<T>> pending = new ArrayDeque<>();
  private final float[] matrix;
  private MultiLayerNetwork network;
  private INDArray previous;
  private boolean closed;

  @SuppressWarnings("unchecked")
  private <I> BatchEmbedder(ExecutorModel.Local model, Iterator<I> inputs, Function<? super I, T> prepare,
      Features<T> features, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive; batchSize=" + batchSize);
    }
    this.model = Objects.requireNonNull(model, "model");
    this.inputs = Objects.requireNonNull(inputs, "inputs");
    this.prepare = (Function<Object, T>) prepare;
    this.features = Objects.requireNonNull(features, "features");
    this.batchSize = batchSize;
    this.size = Math.toIntExact(model.model().inputShape().size());
    this.matrix = new float[batchSize * size];
  }

  /**
   * Embeds inputs prepared on this JVM's {@link DecodePool}, {@link #LOOKAHEAD_BATCHES} batches
   * ahead of the network.
   *
   * @param prepare what turns an input into a prepared item (runs on the pool's threads)
   */
  public static <I, T> BatchEmbedder<T> pipelined(ExecutorModel.Local model, Iterator<I> inputs,
      Function<? super I, T> prepare, Features<T> features, int batchSize) {
    return new BatchEmbedder<>(model, inputs, Objects.requireNonNull(prepare, "prepare"), features, batchSize);
  }

  /**
   * Embeds inputs that need no preparation (already decoded examples, rows), in the task's thread,
   * in batches of the network's own size ({@link ExecutorModel.Local#embedBatch}).
   */
  public static <T> BatchEmbedder<T> direct(ExecutorModel.Local model, Iterator<T> inputs, Features<T> features) {
    return new BatchEmbedder<>(model, inputs, null, features, model.embedBatch());
  }

  @Override
  public boolean hasNext() {
    boolean more = !closed && (!pending.isEmpty() || inputs.hasNext());
    if (!more) {
      giveBack();
    }
    return more;
  }

  @Override
  public Batch<T> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    free();
    List<T> items = new ArrayList<>(batchSize);
    if (prepare == null) {
      while (items.size() < batchSize && inputs.hasNext()) {
        @SuppressWarnings("unchecked")
        T item = (T) inputs.next();
        items.add(item);
      }
    } else {
      fill();
      while (items.size() < batchSize && !pending.isEmpty()) {
        items.add(await(pending.poll()));
      }
      // Queue the following batches before the forward pass, so the pool works while the network runs.
      fill();
    }
    int[] rowOf = new int[items.size()];
    int rows = 0;
    for (int i = 0; i < items.size(); i++) {
      rowOf[i] = features.write(items.get(i), matrix, rows * size) ? rows++ : -1;
    }
    if (rows == 0) {
      return new Batch<>(items, rowOf, null, null);
    }
    if (network == null) {
      network = model.take();
    }
    INDArray x = Matrices.fromFloats(rows == batchSize ? matrix : Arrays.copyOf(matrix, rows * size), rows, size);
    INDArray embeddings = NetworkFactory.embed(network, x, batchSize);
    NetworkFactory.close(x);
    previous = embeddings;
    ClusterClassifier rule = model.classifier();
    return new Batch<>(items, rowOf, embeddings, rule == null ? null : rule.classify(embeddings));
  }

  /** Submits inputs to the pool until {@link #LOOKAHEAD_BATCHES} batches beyond the current one wait. */
  private void fill() {
    while (pending.size() < (LOOKAHEAD_BATCHES + 1) * batchSize && inputs.hasNext()) {
      Object input = inputs.next();
      pending.add(DecodePool.shared().submit(() -> prepare.apply(input)));
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for an input to be prepared");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("preparing an input failed: " + cause, cause);
    }
  }

  private void free() {
    if (previous != null) {
      NetworkFactory.close(previous);
      previous = null;
    }
  }

  /** Frees the last batch's embeddings, cancels preparations still queued and returns the network. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    free();
    for (Future<T> f : pending) {
      f.cancel(false);
    }
    pending.clear();
    giveBack();
  }

  /** Returns the network for the next task (the partition is done; the last batch stays readable). */
  private void giveBack() {
    if (network != null) {
      model.give(network);
      network = null;
    }
  }
}
