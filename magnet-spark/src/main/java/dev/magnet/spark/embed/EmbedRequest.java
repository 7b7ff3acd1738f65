package dev.magnet.spark.embed;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.util.Arguments;
import java.util.List;
import java.util.Objects;

/**
 * One {@code embed} run as typed values (see {@code TrainRequest}).
 *
 * @param model the model directory, or a publish directory (its latest version)
 * @param input an image folder ({@code images:}) or a data set in the forms of {@code train --data}
 * @param output the embeddings table
 * @param rejects the rejects table, or null for {@code <output>_rejects}
 * @param overwrite replace existing tables
 * @param batchSize examples per forward pass, or {@link #AUTO_BATCH_SIZE} for the model's own
 * @param incremental embed only the files neither table holds, and append them
 */
public record EmbedRequest(String model, DataSource input, String output, String rejects, boolean overwrite,
    int batchSize, boolean incremental) {
  /** The default rejects table is the output's sibling with this suffix. */
  public static final String REJECTS_SUFFIX = "_rejects";
  /** The batch size that means "as the model's layer sizes allow" ({@link NetworkFactory#embedBatchSize}). */
  public static final int AUTO_BATCH_SIZE = 0;
  /** How {@code --batch-size} spells {@link #AUTO_BATCH_SIZE}. */
  public static final String AUTO = "auto";
  /** Examples per forward pass by default: the model's own. */
  public static final int DEFAULT_BATCH_SIZE = AUTO_BATCH_SIZE;

  public EmbedRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
  }

  /** A request with every default: embed {@code input} with {@code model} into {@code output}. */
  public static EmbedRequest of(String model, DataSource input, String output) {
    return new EmbedRequest(model, input, output, null, false, DEFAULT_BATCH_SIZE, false);
  }

  /** The same, replacing existing tables. */
  public EmbedRequest withOverwrite(boolean value) {
    return new EmbedRequest(model, input, output, rejects, value, batchSize, incremental);
  }

  /**
   * Parses {@code --input}: {@code images:<path>} or a data set as {@code train --data} spells it;
   * {@link IllegalArgumentException} naming the forms and the value.
   */
  public static DataSource parseInput(String text) {
    try {
      return DataSource.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith("data must be ")
          ? "input must be images:<path>, fashion-mnist, fashion-mnist-test, idx:<images>,<labels>,"
              + " synthetic[:key=value,...] or parquet:<path>; input=" + text : e.getMessage(), e);
    }
  }

  /**
   * Parses {@code --batch-size}: a positive number, or {@code auto}; {@link IllegalArgumentException}
   * naming the forms and the value.
   */
  public static int parseBatchSize(String text) {
    if (AUTO.equals(text)) {
      return AUTO_BATCH_SIZE;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below, with the forms
    }
    throw new IllegalArgumentException(EmbedArgs.BATCH_SIZE + " must be a positive number or " + AUTO
        + "; batch-size=" + text);
  }

  /** The batch of a run with {@code model}: the one asked for, or the model's own for {@code auto}. */
  public int batchSizeFor(ModelArtifact model) {
    return batchSize == AUTO_BATCH_SIZE ? NetworkFactory.embedBatchSize(model.network().getLayerWiseConfigurations(),
        model.networkSpec().input()) : batchSize;
  }

  /** Whether the input is an image folder (read and decoded by the job itself, with a rejects table per file). */
  public boolean images() {
    return input.kind() == DataSource.Kind.IMAGES;
  }

  /** Where the rejects go. */
  public String rejectsPath() {
    return rejects != null ? rejects : output + REJECTS_SUFFIX;
  }

  /** The rules that need no data: a positive batch, incremental runs of image folders only. */
  public EmbedRequest check() {
    if (batchSize < AUTO_BATCH_SIZE) {
      throw new IllegalArgumentException(EmbedArgs.BATCH_SIZE + " must be a positive number or " + AUTO
          + "; batch-size=" + batchSize);
    }
    if (incremental && !images()) {
      throw new IllegalArgumentException(EmbedArgs.INCREMENTAL + " needs an images: input; input=" + input);
    }
    return this;
  }

  /** The command line of this run, the command's name first; parsing it gives this request back. */
  public List<String> toArgs() {
    return new Arguments(EmbedArgs.COMMAND).option(EmbedArgs.MODEL, model).option(EmbedArgs.INPUT, input)
        .option(EmbedArgs.OUTPUT, output).option(EmbedArgs.REJECTS, rejects)
        .changed(EmbedArgs.BATCH_SIZE, batchSize == AUTO_BATCH_SIZE ? AUTO : batchSize, AUTO).flag(EmbedArgs.OVERWRITE, overwrite)
        .flag(EmbedArgs.INCREMENTAL, incremental).words();
  }
}
