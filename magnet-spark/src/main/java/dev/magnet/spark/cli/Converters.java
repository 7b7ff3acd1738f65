package dev.magnet.spark.cli;

import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.ImageSize;
import dev.magnet.spark.embed.EmbedRequest;
import dev.magnet.spark.train.NoWorseThan;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * picocli converters of the option values that parse themselves: the parser's
 * {@link IllegalArgumentException} becomes picocli's "Invalid value for option '--data': ..." with
 * the parser's message, so a typo is an argument error (exit 2) that names the rule and the value.
 */
final class Converters {
  private Converters() {}

  /** A converter that runs a parser. */
  abstract static class Parsing<T> implements CommandLine.ITypeConverter<T> {
    private final Function<String, T> parser;

    Parsing(Function<String, T> parser) {
      this.parser = parser;
    }

    @Override
    public T convert(String value) {
      try {
        return parser.apply(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code --data}, {@code --validation}, ...: {@link DataSource#parse}. */
  static final class Data extends Parsing<DataSource> {
    Data() {
      super(DataSource::parse);
    }
  }

  /** {@code --image-size}: {@link ImageSize#parse}. */
  static final class Size extends Parsing<ImageSize> {
    Size() {
      super(ImageSize::parse);
    }
  }

  /** {@code --no-worse-than}: {@link NoWorseThan#parse}. */
  static final class Tolerance extends Parsing<NoWorseThan> {
    Tolerance() {
      super(NoWorseThan::parse);
    }
  }

  /** {@code embed --batch-size}: {@link EmbedRequest#parseBatchSize}. */
  static final class EmbedBatchSize extends Parsing<Integer> {
    EmbedBatchSize() {
      super(EmbedRequest::parseBatchSize);
    }
  }

  /** {@code embed --input}: {@link EmbedRequest#parseInput}. */
  static final class EmbedInput extends Parsing<DataSource> {
    EmbedInput() {
      super(EmbedRequest::parseInput);
    }
  }
}
