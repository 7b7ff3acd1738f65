package dev.magnet.core.nn;

import dev.magnet.core.matrix.NativeArrays;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the initialised {@link MultiLayerNetwork} for a {@link NetworkSpec} and a {@link Head},
 * and reads embeddings out of it.
 *
 * <p>Layout: {@code body, dense(hidden)..., dense(embeddingDim, identity or unit length), head}; the embedding
 * layer is always the one just below the head ({@link #embeddingLayerIndex}).
 *
 * <p>Workspaces are ENABLED for training and inference: DL4J then reuses the same off-heap
 * buffers for every mini-batch's activations and gradients instead of allocating (and leaving
 * to the garbage collector) new ones each iteration, which matters for fixed-size M·D batches
 * on small CPU machines. The hand-written conv layers allocate in them too.
 */
public final class NetworkFactory {
  /** The most rows per forward pass of an embedding loop ({@link #embedBatchSize}): enough for oneDNN to be efficient. */
  public static final int DEFAULT_EMBED_BATCH = 256;
  /** The fewest rows {@link #embedBatchSize} chooses. */
  public static final int MIN_EMBED_BATCH = 16;
  /** What the largest layer output of one embedding batch may hold, in bytes, for {@link #embedBatchSize}. */
  public static final long EMBED_BATCH_ACTIVATION_BYTES = 8L << 20;

  private NetworkFactory() {}

  /** The initialised network, trained with Adam at the spec's learning rate. */
  public static MultiLayerNetwork build(NetworkSpec spec, Head head) {
    MultiLayerNetwork net = new MultiLayerNetwork(configuration(spec, head));
    net.init();
    return net;
  }

  /** The network's configuration (Adam at the spec's learning rate). */
  public static MultiLayerConfiguration configuration(NetworkSpec spec, Head head) {
    return configuration(spec, head, new Adam(spec.learningRate()));
  }

  /** The configuration with another updater: gradient checks need NoOp or SGD. */
  static MultiLayerConfiguration configuration(NetworkSpec spec, Head head, IUpdater updater) {
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
        .seed(spec.seed())
        .dataType(spec.dataType())
        .updater(updater)
        .weightInit(WeightInit.RELU)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .list();
    List<Layer> layers = new ArrayList<>(spec.architecture().body());
    for (int size : spec.hiddenSizes()) {
      layers.add(new DenseLayer.Builder().nOut(size).activation(Activation.RELU).build());
    }
    boolean unitLength = head instanceof Head.Embedding e && e.unitLength();
    layers.add(new DenseLayer.Builder().nOut(spec.embeddingDim())
        .activation(unitLength ? new UnitLengthActivation() : Activation.IDENTITY.getActivationFunction())
        .weightInit(WeightInit.XAVIER).build());
    layers.add(headLayer(head));
    for (int i = 0; i < layers.size(); i++) {
      list.layer(i, layers.get(i));
    }
    return list.setInputType(spec.input().inputType()).build();
  }

  private static Layer headLayer(Head head) {
    if (head instanceof Head.Embedding e) {
      return new LossLayer.Builder().activation(Activation.IDENTITY).lossFunction(e.loss()).build();
    }
    Head.Softmax s = (Head.Softmax) head;
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(s.numClasses())
        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build();
  }

  /**
   * Copies the body of {@code from} (every layer up to and including the embedding) into {@code to},
   * whose head may differ: a network pre-trained with one loss on some classes starts another
   * loss on other classes (docs/results.md, "Pre-training"). The networks must have the same
   * layers below the head, each with as many parameters; {@code to}'s head and updater state are
   * left as they are.
   *
   * @throws IllegalArgumentException naming the first layer that differs
   */
  public static void copyBody(MultiLayerNetwork from, MultiLayerNetwork to) {
    int body = embeddingLayerIndex(to) + 1;
    if (embeddingLayerIndex(from) + 1 != body) {
      throw new IllegalArgumentException("the pre-trained network has " + (embeddingLayerIndex(from) + 1)
          + " layers below its head, this one " + body);
    }
    long n = 0;
    for (int i = 0; i < body; i++) {
      long a = from.getLayer(i).numParams();
      long b = to.getLayer(i).numParams();
      if (a != b || from.getLayer(i).getClass() != to.getLayer(i).getClass()) {
        throw new IllegalArgumentException("layer " + i + " differs: pre-trained " + from.getLayer(i).getClass()
            .getSimpleName() + " of " + a + " parameters, this network's " + to.getLayer(i).getClass().getSimpleName()
            + " of " + b);
      }
      n += a;
    }
    if (n > 0) {
      // The layers' parameters are consecutive views of the network's one flat vector, in layer order.
      prefix(to.params(), n).assign(prefix(from.params(), n));
    }
  }

  /** The first {@code n} values of a network's flat parameter vector ([1, N] in DL4J, or [N]), as a view. */
  private static INDArray prefix(INDArray params, long n) {
    return params.rank() == 1 ? params.get(NDArrayIndex.interval(0, n))
        : params.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, n));
  }

  /** Index of the embedding layer: the one just below the head. */
  public static int embeddingLayerIndex(MultiLayerNetwork net) {
    int last = net.getnLayers() - 1;
    if (last < 1 || !(net.getLayer(last) instanceof IOutputLayer)) {
      throw new IllegalArgumentException(
          "network must end in an output or loss layer above the embedding; layers=" + (last + 1));
    }
    return last - 1;
  }

  /**
   * The classes a softmax head predicts for embeddings already computed (the argmax of the head's
   * logits {@code r·W + b}, which the softmax keeps in order), without running the body again.
   *
   * @throws IllegalArgumentException if the network does not end in a softmax output layer
   */
  public static int[] predictClassesOfEmbeddings(MultiLayerNetwork net, INDArray embeddings) {
    org.deeplearning4j.nn.api.Layer last = net.getLayer(net.getnLayers() - 1);
    if (!(last.conf().getLayer() instanceof OutputLayer head) || !(head.getActivationFn() instanceof ActivationSoftmax)) {
      throw new IllegalArgumentException("class predictions need a softmax output layer; the network ends in "
          + last.conf().getLayer().getClass().getSimpleName());
    }
    INDArray weights = last.getParam("W");
    INDArray logits = embeddings.castTo(weights.dataType()).mmul(weights).addiRowVector(last.getParam("b"));
    INDArray argmax = logits.argMax(1);
    int[] classes = new int[(int) embeddings.size(0)];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = argmax.getInt(i);
    }
    close(logits, argmax);
    return classes;
  }

  /**
   * The batch of every embedding loop of a network: as many rows as keep the largest layer output of
   * one batch within {@link #EMBED_BATCH_ACTIVATION_BYTES}, between {@link #MIN_EMBED_BATCH} and
   * {@link #DEFAULT_EMBED_BATCH}. A batch of 256 keeps oneDNN efficient on small inputs
   * ({@code fmnist-cnn} at 28x28: 21 KiB an image, so 256), but on large images its activations
   * leave the caches and fill the memory: {@code resnet-small} at 3x96x96 (288 KiB an image,
   * 72 MiB a batch of 256) took about a third more CPU an image at 256 than at 24-64, and a
   * third of its embedding job's peak RSS was that batch (docs/benchmarks.md, "Corpus embedding").
   * Read from the configuration's layer output types, so it runs no example and touches no
   * state (a fused layer's inner arrays, such as a conv output before its pooling, are not
   * counted: the budget is set with that in mind).
   */
  public static int embedBatchSize(MultiLayerConfiguration conf, InputShape input) {
    long largest = Math.max(input.size(), conf.getLayerActivationTypes(input.inputType()).stream()
        .mapToLong(InputType::arrayElementsPerExample).max().orElse(1));
    DataType type = conf.getDataType();
    long perExample = largest * type.width();
    return (int) Math.max(MIN_EMBED_BATCH, Math.min(DEFAULT_EMBED_BATCH, EMBED_BATCH_ACTIVATION_BYTES / perExample));
  }

  /**
   * The embeddings of {@code features} (rows = examples), in inference mode, {@code batchSize}
   * examples per forward pass; a fresh array, detached from any workspace.
   */
  public static INDArray embed(MultiLayerNetwork net, INDArray features, int batchSize) {
    ConvOps.checkPositive("batchSize", batchSize);
    int layer = embeddingLayerIndex(net);
    long n = features.size(0);
    long dim = net.getLayer(layer).getParam("W").size(1);
    INDArray out = Nd4j.create(net.getLayerWiseConfigurations().getDataType(), n, dim);
    for (long from = 0; from < n; from += batchSize) {
      long to = Math.min(n, from + batchSize);
      INDArray batch = features.get(NDArrayIndex.interval(from, to));
      List<INDArray> activations = net.feedForwardToLayer(layer, batch, false);
      out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(activations.get(layer + 1));
      // Every layer's output, detached from the workspaces: 8 MB a batch of 256 for fmnist-cnn.
      close(activations.subList(1, activations.size()).toArray(INDArray[]::new));
    }
    return out;
  }

  /**
   * Frees the network's parameters, gradients and updater state now: what DL4J's own
   * {@code MultiLayerNetwork.close()} frees, without its destroying the calling thread's
   * workspaces (which the thread's next network uses) and its {@code System.gc()}.
   */
  public static void close(MultiLayerNetwork network) {
    close(network.params(), network.getFlattenedGradients());
    org.deeplearning4j.nn.api.Updater updater = network.getUpdater(false);
    if (updater != null) {
      close(updater.getStateViewArray());
    }
  }

  /** Frees the native memory of arrays the caller is done with, now: {@link NativeArrays#close}. */
  public static void close(INDArray... arrays) {
    NativeArrays.close(arrays);
  }
}
