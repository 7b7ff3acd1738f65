package dev.magnet.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class NetworkFactoryTest {
  private static final int ROWS = 5;

  static Stream<Arguments> networks() {
    return Stream.of(
        Arguments.of(NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST), embeddingHead()),
        Arguments.of(NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST), Head.softmax(10)),
        Arguments.of(NetworkSpec.of(Architecture.MLP, InputShape.vector(12)), embeddingHead()),
        Arguments.of(NetworkSpec.of(Architecture.RESNET_SMALL, InputShape.image(3, 8, 8)), embeddingHead()),
        Arguments.of(NetworkSpec.of(Architecture.RESNET_SMALL, InputShape.image(3, 8, 8)), Head.softmax(4)));
  }

  private static Head embeddingHead() {
    return Head.embedding(new PullToOriginLoss());
  }

  private static INDArray input(NetworkSpec spec) {
    InputShape s = spec.input();
    return s.kind() == InputShape.Kind.IMAGE
        ? Nd4j.rand(DataType.FLOAT, ROWS, s.channels(), s.height(), s.width())
        : Nd4j.rand(DataType.FLOAT, ROWS, s.channels());
  }

  @ParameterizedTest
  @MethodSource("networks")
  void configurationJsonRoundTrips(NetworkSpec spec, Head head) {
    MultiLayerConfiguration conf = NetworkFactory.configuration(spec, head);
    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    assertEquals(conf.toJson(), back.toJson());
  }

  @ParameterizedTest
  @MethodSource("networks")
  void modelSerializerRoundTripGivesIdenticalEmbeddings(NetworkSpec spec, Head head,
      @TempDir Path dir) throws IOException {
    MultiLayerNetwork net = NetworkFactory.build(spec, head);
    INDArray x = input(spec);
    File file = dir.resolve("net.zip").toFile();
    ModelSerializer.writeModel(net, file, true);
    MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file, true);
    assertEquals(net.params(), back.params());
    assertEquals(NetworkFactory.embed(net, x, 2), NetworkFactory.embed(back, x, 2));
    assertEquals(net.output(x, false), back.output(x, false));
  }

  @ParameterizedTest
  @MethodSource("networks")
  void embeddingIsThePenultimateLayerBatchedOrNot(NetworkSpec spec, Head head) {
    MultiLayerNetwork net = NetworkFactory.build(spec, head);
    INDArray x = input(spec);
    int layer = NetworkFactory.embeddingLayerIndex(net);
    assertEquals(net.getnLayers() - 2, layer);
    INDArray whole = NetworkFactory.embed(net, x, ROWS);
    assertEquals(ROWS, whole.rows());
    assertEquals(spec.embeddingDim(), whole.columns());
    assertEquals(whole, NetworkFactory.embed(net, x, 2));
    assertEquals(net.feedForwardToLayer(layer, x, false).get(layer + 1), whole);
    if (head instanceof Head.Embedding) {
      assertEquals(net.output(x, false), whole);
    }
  }

  @Test
  void closeFreesOwnedArraysAndLeavesViewsAlone() {
    INDArray owned = Nd4j.rand(DataType.FLOAT, 4, 3);
    INDArray view = owned.getRow(1);
    NetworkFactory.close(view, null);
    assertFalse(owned.wasClosed());
    assertEquals(owned.getFloat(1, 2), view.getFloat(2));
    NetworkFactory.close(owned);
    assertTrue(owned.wasClosed());
    NetworkFactory.close(owned);
  }

  @Test
  void theEmbeddingBatchKeepsTheLargestLayerOutputOfABatchWithinItsBudget() {
    // fmnist-cnn at 28x28: the first block's pooled output, 32x13x13 floats (21 KiB), is the largest.
    assertEquals(NetworkFactory.DEFAULT_EMBED_BATCH, NetworkFactory.embedBatchSize(NetworkFactory.configuration(
        NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST), embeddingHead()), InputShape.FASHION_MNIST));
    // resnet-small: the stem's pooled output, 32 channels at half the input's size.
    InputShape rgb96 = InputShape.image(3, 96, 96);
    assertEquals(NetworkFactory.EMBED_BATCH_ACTIVATION_BYTES / (32 * 48 * 48 * 4), NetworkFactory.embedBatchSize(
        NetworkFactory.configuration(NetworkSpec.of(Architecture.RESNET_SMALL, rgb96), embeddingHead()), rgb96));
    InputShape rgb64 = InputShape.image(3, 64, 64);
    assertEquals(NetworkFactory.EMBED_BATCH_ACTIVATION_BYTES / (32 * 32 * 32 * 4), NetworkFactory.embedBatchSize(
        NetworkFactory.configuration(NetworkSpec.of(Architecture.RESNET_SMALL, rgb64), embeddingHead()), rgb64));
    InputShape rgb256 = InputShape.image(3, 256, 256);
    assertEquals(NetworkFactory.MIN_EMBED_BATCH, NetworkFactory.embedBatchSize(
        NetworkFactory.configuration(NetworkSpec.of(Architecture.RESNET_SMALL, rgb256), embeddingHead()), rgb256));
  }

  @Test
  void fmnistCnnHasThePeersShapes() {
    MultiLayerNetwork net = NetworkFactory.build(
        NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST).withEmbeddingDim(64), embeddingHead());
    assertEquals(List.of(3L, 3L, 1L, 32L), List.of(box(net.getParam("0_W").shape())));
    assertEquals(List.of(3L, 3L, 32L, 64L), List.of(box(net.getParam("1_W").shape())));
    assertEquals(List.of(64L * 5 * 5, 128L), List.of(box(net.getParam("2_W").shape())));
    assertEquals(List.of(128L, 64L), List.of(box(net.getParam("3_W").shape())));
    assertEquals(1_600 * 128 + 128 + 128 * 64 + 64 + 320 + 18_496, net.numParams());
  }

  private static Long[] box(long[] shape) {
    return java.util.Arrays.stream(shape).boxed().toArray(Long[]::new);
  }

  @Test
  void metricLossLabelsMayBeNarrowerThanTheEmbedding() {
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.image(1, 10, 10));
    MultiLayerNetwork net = NetworkFactory.build(spec, embeddingHead());
    INDArray before = net.params().dup();
    net.fit(new DataSet(input(spec), Nd4j.zeros(DataType.FLOAT, ROWS, 2)));
    assertNotEquals(before, net.params());
  }

  /**
   * A softmax network's body starts a Magnet network: the same embeddings after the copy (the
   * body ends at the embedding), the Magnet network's own head untouched, and a network of other
   * widths refused, naming the layer.
   */
  @Test
  void aPretrainedBodyStartsANetworkWithAnotherHead() {
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.image(1, 10, 10)).withEmbeddingDim(64);
    MultiLayerNetwork softmax = NetworkFactory.build(spec.withSeed(1), Head.softmax(4));
    INDArray labels = Nd4j.zeros(DataType.FLOAT, ROWS, 4);
    for (int i = 0; i < ROWS; i++) {
      labels.putScalar(i, i % 4, 1);
    }
    softmax.fit(new DataSet(input(spec), labels));
    MultiLayerNetwork magnet = NetworkFactory.build(spec.withSeed(2), embeddingHead());
    INDArray x = input(spec);
    assertNotEquals(NetworkFactory.embed(softmax, x, ROWS), NetworkFactory.embed(magnet, x, ROWS));
    NetworkFactory.copyBody(softmax, magnet);
    assertEquals(NetworkFactory.embed(softmax, x, ROWS), NetworkFactory.embed(magnet, x, ROWS));
    assertEquals(softmax.numParams() - (64 * 4 + 4), magnet.numParams(), "only the softmax layer is left behind");

    MultiLayerNetwork wider = NetworkFactory.build(spec.withEmbeddingDim(32), embeddingHead());
    assertEquals("layer 3 differs: pre-trained DenseLayer of 8256 parameters, this network's DenseLayer of 4128",
        assertThrows(IllegalArgumentException.class, () -> NetworkFactory.copyBody(softmax, wider)).getMessage());
  }

  @Test
  void softmaxHeadTrainsOnOneHotLabels() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(12));
    MultiLayerNetwork net = NetworkFactory.build(spec, Head.softmax(3));
    INDArray labels = Nd4j.zeros(DataType.FLOAT, ROWS, 3);
    for (int i = 0; i < ROWS; i++) {
      labels.putScalar(i, i % 3, 1);
    }
    INDArray before = net.params().dup();
    net.fit(new DataSet(input(spec), labels));
    assertNotEquals(before, net.params());
  }

  /** A tiny softmax MLP fitted to two far-apart blobs: its argmax is right on all of them, in batches of 3 or not. */
  @Test
  void softmaxPredictionsAreTheArgmaxOfTheOutputLayer() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(2)).withHiddenSizes(List.of(8))
        .withEmbeddingDim(4).withLearningRate(0.05).withSeed(3);
    MultiLayerNetwork net = NetworkFactory.build(spec, Head.softmax(2));
    int n = 10;
    INDArray features = Nd4j.create(DataType.FLOAT, n, 2);
    INDArray labels = Nd4j.zeros(DataType.FLOAT, n, 2);
    int[] truth = new int[n];
    for (int i = 0; i < n; i++) {
      truth[i] = i % 2;
      features.putScalar(i, 0, truth[i] == 0 ? -3 + 0.1 * i : 3 - 0.1 * i);
      features.putScalar(i, 1, 0.05 * i);
      labels.putScalar(i, truth[i], 1);
    }
    for (int step = 0; step < 200; step++) {
      net.fit(new DataSet(features, labels));
    }
    // The head alone on the embeddings predicts what the whole network's softmax output does.
    int[] predicted = NetworkFactory.predictClassesOfEmbeddings(net, NetworkFactory.embed(net, features, 3));
    assertEquals(java.util.Arrays.toString(truth), java.util.Arrays.toString(predicted));
    INDArray argmax = net.output(features, false).argMax(1);
    for (int i = 0; i < n; i++) {
      assertEquals(argmax.getInt(i), predicted[i], "row " + i);
    }
  }

  @Test
  void classPredictionsNeedASoftmaxHead() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(12));
    MultiLayerNetwork net = NetworkFactory.build(spec, embeddingHead());
    assertEquals("class predictions need a softmax output layer; the network ends in LossLayer",
        assertThrows(IllegalArgumentException.class, () -> NetworkFactory.predictClassesOfEmbeddings(net, Nd4j.zeros(DataType.FLOAT, 4, spec.embeddingDim())))
            .getMessage());
  }

  @Test
  void specGuardsStateRuleAndValue() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(4));
    assertEquals("embedding dimension must be positive; embeddingDim=0",
        assertThrows(IllegalArgumentException.class, () -> spec.withEmbeddingDim(0)).getMessage());
    assertEquals("data type must be FLOAT or DOUBLE; dataType=HALF",
        assertThrows(IllegalArgumentException.class, () -> spec.withDataType(DataType.HALF))
            .getMessage());
    assertEquals("learning rate must be positive and finite; learningRate=0.0",
        assertThrows(IllegalArgumentException.class, () -> spec.withLearningRate(0)).getMessage());
    assertEquals("FMNIST_CNN needs image inputs; input=" + InputShape.vector(4),
        assertThrows(IllegalArgumentException.class,
            () -> NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.vector(4))).getMessage());
    assertEquals("numClasses must be at least 2; numClasses=1",
        assertThrows(IllegalArgumentException.class, () -> Head.softmax(1)).getMessage());
    assertEquals("outChannels must be positive; outChannels=0",
        assertThrows(IllegalArgumentException.class, () -> ConvPoolBlock.of(0, Padding.VALID))
            .getMessage());
    assertEquals("stride must be 1 or 2; stride=3",
        assertThrows(IllegalArgumentException.class, () -> ResidualBlock.of(4, 3)).getMessage());
  }
}
