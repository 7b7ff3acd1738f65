package dev.magnet.spark.cli;

import dev.magnet.core.data.FashionMnist;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.spark.data.image.ImageCorpusGenerator;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet generate-corpus}: Fashion-MNIST (training then test images, or one split) written
 * as an image folder tree {@code DIR/<class>/<file>} with a few damaged files, for benchmarks and
 * tests of {@code embed} and of training from images ({@link ImageCorpusGenerator}). File i of
 * {@code --split train} shows training image i, in IDX order, so that a run on the folder and one
 * on the IDX files see the same pixels.
 */
@Command(name = "generate-corpus",
    description = "Write Fashion-MNIST as a folder tree of PNG or JPEG files, with a few damaged files.")
public final class GenerateCorpusCommand extends MagnetCommand {
  @Spec
  CommandSpec spec;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "The corpus's root (new or empty).")
  Path output;

  @Option(names = "--format", defaultValue = "png28", converter = FormatOption.class, completionCandidates = FormatOption.class,
      paramLabel = "FORMAT", description = "png28 (28x28 grey PNG) or jpeg96 (96x96 RGB JPEG); default: ${DEFAULT-VALUE}.")
  ImageCorpusGenerator.Format format;

  @Option(names = "--count", defaultValue = "10000", paramLabel = "N",
      description = "Files in all, damaged ones included (at most 1000000); default: ${DEFAULT-VALUE}.")
  int files;

  @Option(names = "--damaged", defaultValue = "3", paramLabel = "K",
      description = "Damaged files among them (empty, truncated, not an image, in turn); default: ${DEFAULT-VALUE}.")
  int damaged;

  @Option(names = "--fashion-mnist", paramLabel = "DIR", defaultValue = FashionMnist.DEFAULT_DIRECTORY_NAME,
      description = "Where Fashion-MNIST's IDX files are; default: ${DEFAULT-VALUE}.")
  Path fashionMnist;

  @Option(names = "--split", defaultValue = "all", converter = SplitOption.class, completionCandidates = SplitOption.class,
      paramLabel = "SPLIT", description = "Which images: all (training then test), train or test; default:"
          + " ${DEFAULT-VALUE}.")
  Split split;

  /** Which of Fashion-MNIST's images the corpus shows. */
  enum Split { ALL, TRAIN, TEST }

  /** {@code --split}: all, train, test. */
  static final class SplitOption extends EnumOption<Split> {
    SplitOption() {
      super(Split.class);
    }
  }

  /** {@code --format}: png28, jpeg96. */
  static final class FormatOption extends EnumOption<ImageCorpusGenerator.Format> {
    FormatOption() {
      super(ImageCorpusGenerator.Format.class);
    }
  }

  @Override
  public Integer call() {
    ImageCorpusGenerator.Spec corpus = JobException.argument(() -> new ImageCorpusGenerator.Spec(format, files, damaged));
    LabelledDataset train = JobException.input(() -> FashionMnist.train(fashionMnist, FashionMnist.TRAIN_SIZE));
    LabelledDataset test = JobException.input(() -> FashionMnist.test(fashionMnist, FashionMnist.TEST_SIZE));
    byte[] pixels = switch (split) {
      case ALL -> concat(bytes(train), bytes(test));
      case TRAIN -> bytes(train);
      case TEST -> bytes(test);
    };
    int[] labels = switch (split) {
      case ALL -> concat(train.labels(), test.labels());
      case TRAIN -> train.labels();
      case TEST -> test.labels();
    };
    ImageCorpusGenerator.Source source = new ImageCorpusGenerator.Source(pixels, labels,
        ImageCorpusGenerator.classFolders(train.labelNames()));
    long start = System.nanoTime();
    ImageCorpusGenerator.Written written;
    try {
      written = ImageCorpusGenerator.write(output, corpus, source);
    } catch (IllegalArgumentException e) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, e.getMessage(), e);
    } catch (IOException e) {
      throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(e), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "wrote %d files (%d images, damaged: %s), %.1f MB, in %.1f s under %s%n", written.files(),
        written.images(), written.damaged(), written.bytes() / 1e6, (System.nanoTime() - start) / 1e9, written.root());
    return ExitCodes.SUCCESS;
  }

  /** The images' pixels as bytes (IDX stores bytes; the reader scaled them by 1/255, which rounds back exactly). */
  private static byte[] bytes(LabelledDataset data) {
    float[] values = data.features().data().asFloat();
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) Math.round(values[i] * 255f);
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
