package dev.magnet.core.nn;

import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Why {@link ConvPoolLayer} and {@link ResidualLayer} run their ops on NHWC arrays
 * (docs/benchmarks.md, "Convolutions in NHWC"): the forward ops of {@code fmnist-cnn}'s two
 * conv-pool blocks (conv2d 3x3, maxpool 2x2, ReLU; 1 -> 32 -> 64 channels on 28x28) on
 * preallocated arrays, once in NCHW and once in NHWC with the copies between the layouts that the
 * layers make at their edges, in microseconds an image; and whether both give the same bits.
 * One native thread ({@code OMP_NUM_THREADS=1}); the machine is shared and noisy.
 *
 * <p>Arguments: the batch sizes (default 64 256).
 */
public final class ConvLayoutBenchmark {
  private static final int REPEATS = 5;
  private static final int ITERATIONS = 20;

  private ConvLayoutBenchmark() {}

  public static void main(String[] args) {
    int[] batches = args.length == 0 ? new int[] {64, 256}
        : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    for (int n : batches) {
      run(n);
    }
  }

  private static void run(int n) {
    Nd4j.getRandom().setSeed(1);
    INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 28, 28);
    INDArray w1 = Nd4j.randn(DataType.FLOAT, 3, 3, 1, 32);
    INDArray b1 = Nd4j.rand(DataType.FLOAT, 32);
    INDArray w2 = Nd4j.randn(DataType.FLOAT, 3, 3, 32, 64).divi(10);
    INDArray b2 = Nd4j.rand(DataType.FLOAT, 64);
    INDArray z1 = Nd4j.create(DataType.FLOAT, n, 32, 26, 26);
    INDArray p1 = Nd4j.create(DataType.FLOAT, n, 32, 13, 13);
    INDArray z2 = Nd4j.create(DataType.FLOAT, n, 64, 11, 11);
    INDArray p2 = Nd4j.create(DataType.FLOAT, n, 64, 5, 5);
    INDArray z1h = Nd4j.create(DataType.FLOAT, n, 26, 26, 32);
    INDArray p1h = Nd4j.create(DataType.FLOAT, n, 13, 13, 32);
    INDArray p1c = Nd4j.create(DataType.FLOAT, n, 32, 13, 13);
    INDArray x2h = Nd4j.create(DataType.FLOAT, n, 13, 13, 32);
    INDArray z2h = Nd4j.create(DataType.FLOAT, n, 11, 11, 64);
    INDArray p2h = Nd4j.create(DataType.FLOAT, n, 5, 5, 64);
    INDArray p2c = Nd4j.create(DataType.FLOAT, n, 64, 5, 5);
    for (int r = 0; r < REPEATS; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < ITERATIONS; i++) {
        block(x, w1, b1, z1, p1, false);
        block(p1, w2, b2, z2, p2, false);
      }
      long nchw = System.nanoTime() - start;
      start = System.nanoTime();
      for (int i = 0; i < ITERATIONS; i++) {
        block(x.reshape('c', n, 28, 28, 1), w1, b1, z1h, p1h, true);
        p1c.assign(p1h.permute(0, 3, 1, 2)); // the first layer's NCHW output
        x2h.assign(p1c.permute(0, 2, 3, 1)); // the second layer's NHWC input
        block(x2h, w2, b2, z2h, p2h, true);
        p2c.assign(p2h.permute(0, 3, 1, 2));
      }
      long nhwc = System.nanoTime() - start;
      double perImage = 1e3 * ITERATIONS * n;
      System.out.printf("batch %d: us an image NCHW %.1f, NHWC %.1f; same bits: %s%n", n,
          nchw / perImage, nhwc / perImage, p2.equals(p2c));
    }
  }

  private static void block(INDArray in, INDArray w, INDArray b, INDArray conv, INDArray out,
      boolean nhwc) {
    Nd4j.exec(new Conv2D(in, w, b, conv, Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1)
        .paddingMode(PaddingMode.VALID).dataFormat(nhwc ? Conv2DConfig.NHWC : Conv2DConfig.NCHW)
        .weightsFormat(WeightsFormat.YXIO).build()));
    Nd4j.exec(new MaxPooling2D(conv, out, Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2)
        .type(Pooling2D.Pooling2DType.MAX).isNHWC(nhwc).build()));
    Nd4j.exec(new RectifiedLinear(out, out, 0.0));
  }
}
