package dev.magnet.core.nn;

import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * Spatial padding of a 3x3 convolution. {@link #VALID} is PyTorch's {@code nn.Conv2d(c, k, 3)}
 * default (no padding: 28 -> 26), which the reference network {@code fmnist-cnn} uses;
 * {@link #SAME} keeps the size (PyTorch {@code padding=1}), which residual blocks need.
 */
public enum Padding {
  VALID(PaddingMode.VALID),
  SAME(PaddingMode.SAME);

  private final PaddingMode mode;

  Padding(PaddingMode mode) {
    this.mode = mode;
  }

  PaddingMode mode() {
    return mode;
  }

  /** Output size of a convolution with kernel {@code kernel} and stride {@code stride}. */
  long outputSize(long inputSize, int kernel, int stride) {
    return this == SAME
        ? (inputSize + stride - 1) / stride
        : (inputSize - kernel) / stride + 1;
  }
}
