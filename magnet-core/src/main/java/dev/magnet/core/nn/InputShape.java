package dev.magnet.core.nn;

import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * Shape of one input example: an image ({@code channels x height x width}, fed either as NCHW
 * arrays or as flat rows of {@code c*h*w} values in C order) or a vector of {@code channels}
 * values ({@code height = width = 1}).
 */
public record InputShape(Kind kind, int channels, int height, int width) {
  /** Whether the example is an image (for convolutional networks) or a plain vector. */
  public enum Kind { IMAGE, VECTOR }

  /** Fashion-MNIST's shape, the reference network's input. */
  public static final InputShape FASHION_MNIST = image(1, 28, 28);

  public InputShape {
    if (kind == null) {
      throw new IllegalArgumentException("kind must be given; kind=null");
    }
    ConvOps.checkPositive("channels", channels);
    ConvOps.checkPositive("height", height);
    ConvOps.checkPositive("width", width);
    if (kind == Kind.VECTOR && (height != 1 || width != 1)) {
      throw new IllegalArgumentException(
          "a vector has height and width 1; height=" + height + " width=" + width);
    }
  }

  public static InputShape image(int channels, int height, int width) {
    return new InputShape(Kind.IMAGE, channels, height, width);
  }

  public static InputShape vector(int dimension) {
    return new InputShape(Kind.VECTOR, dimension, 1, 1);
  }

  /** Number of values in one example. */
  public long size() {
    return (long) channels * height * width;
  }

  /** DL4J's input type: convolutional-flat for images (accepts both flat rows and NCHW). */
  InputType inputType() {
    return kind == Kind.IMAGE ? InputType.convolutionalFlat(height, width, channels)
        : InputType.feedForward(channels);
  }
}
