package dev.magnet.spark.io;

import dev.magnet.core.model.ArtifactStore;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-epoch checkpoints under one directory on any Hadoop file system, so that a killed driver
 * resumes from the last finished epoch (docs/design.md, "One epoch, as data flows", step 9):
 *
 * <pre>
 * dir/epoch-0001/   metadata.json, network.zip (with the updater state), index.bin, metrics.json
 * dir/epoch-0002/   ...
 * </pre>
 *
 * <p>Each checkpoint is written atomically with {@link HadoopModelDirectory}, so on HDFS and the
 * local file system one either exists whole or not at all; {@link #latest()} ignores staging
 * directories ({@code .epoch-0003.tmp-…}) and anything else not named {@code epoch-NNNN}. Every
 * file of a checkpoint, its metrics included, has its SHA-256 in its metadata.json, and
 * {@link #latest()} falls back past a checkpoint that fails to read (on an object store, a rename
 * is a copy and a killed one can leave a partial {@code epoch-NNNN}). After a successful write
 * only the last {@code keep} checkpoints are kept.
 */
public final class CheckpointStore {
  /** Two: the newest, and one to fall back on should the newest turn out unreadable. */
  public static final int DEFAULT_KEEP = 2;

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,9})");

  private final String dir;
  private final Configuration conf;
  private final int keep;

  /**
   * One saved epoch.
   *
   * @param epoch 1-based epoch that the model finished
   * @param model the network (with updater state), index and the rest of the artifact
   * @param history the metrics of every epoch up to and including this one
   */
  public record Checkpoint(int epoch, ModelArtifact model, List<SparkEpochMetrics> history) {
    public Checkpoint {
      Objects.requireNonNull(model, "model");
      history = List.copyOf(history);
    }
  }

  /** A store keeping the last {@value #DEFAULT_KEEP} checkpoints. */
  public CheckpointStore(String dir, Configuration conf) {
    this(dir, conf, DEFAULT_KEEP);
  }

  /** A store keeping the last {@code keep} checkpoints. */
  public CheckpointStore(String dir, Configuration conf, int keep) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.conf = Objects.requireNonNull(conf, "conf");
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be positive; keep=" + keep);
    }
    this.keep = keep;
  }

  /** The directory holding the checkpoints, as given. */
  public String directory() {
    return dir;
  }

  /** The directory of one epoch's checkpoint, e.g. {@code dir/epoch-0003}. */
  public String pathOf(int epoch) {
    checkEpoch(epoch);
    return new Path(dir, String.format("epoch-%04d", epoch)).toString();
  }

  /**
   * Writes one epoch's checkpoint atomically (replacing one of the same epoch), then prunes. Its
   * metrics file is one of the model's files, so metadata.json records its digest too.
   */
  public void write(int epoch, ModelArtifact model, List<SparkEpochMetrics> history) throws IOException {
    Objects.requireNonNull(model, "model");
    ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    MetricsJson.write(metrics, List.copyOf(history), Map.of());
    HadoopModelDirectory.write(pathOf(epoch), conf, true,
        store -> model.writeTo(store, Map.of(MetricsJson.FILE_NAME, metrics.toByteArray())));
    prune();
  }

  /** The newest checkpoint that reads whole; see {@link #latest(Consumer)}. Skipped ones are only logged. */
  public Optional<Checkpoint> latest() throws IOException {
    return latest(LOG::warn);
  }

  /**
   * The checkpoint of the highest epoch that reads whole and passes its digest checks. A newer one
   * that does not (a partial copy on an object store, a corrupt file) is skipped, and
   * {@code skipped} told why, naming it.
   *
   * @throws IOException the newest checkpoint's error, when checkpoints exist and none of them reads
   */
  public Optional<Checkpoint> latest(Consumer<String> skipped) throws IOException {
    List<Integer> epochs = epochs();
    IOException newest = null;
    for (int i = epochs.size() - 1; i >= 0; i--) {
      int epoch = epochs.get(i);
      try {
        return Optional.of(read(epoch));
      } catch (IOException e) {
        newest = newest == null ? e : newest;
        skipped.accept("checkpoint " + pathOf(epoch) + " is incomplete or corrupt, skipped: " + e.getMessage());
      }
    }
    if (newest != null) {
      throw newest; // none reads: the newest's error says why (the others' were told to skipped)
    }
    return Optional.empty();
  }

  private Checkpoint read(int epoch) throws IOException {
    ArtifactStore store = HadoopModelDirectory.reader(pathOf(epoch), conf);
    ModelArtifact model = ModelArtifact.readFrom(store);
    List<SparkEpochMetrics> history;
    try (InputStream in = store.open(MetricsJson.FILE_NAME)) {
      history = MetricsJson.read(in, store.location() + "/" + MetricsJson.FILE_NAME).epochs();
    }
    return new Checkpoint(epoch, model, history);
  }

  /** Epochs of the complete checkpoints, ascending. */
  public List<Integer> epochs() throws IOException {
    Path root = HadoopModelDirectory.qualified(dir, conf);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.exists(root)) {
      return List.of();
    }
    List<Integer> epochs = new ArrayList<>();
    for (FileStatus status : fs.listStatus(root)) {
      Matcher m = NAME.matcher(status.getPath().getName());
      if (status.isDirectory() && m.matches()) {
        epochs.add(Integer.parseInt(m.group(1)));
      }
    }
    epochs.sort(null);
    return epochs;
  }

  private void prune() throws IOException {
    List<Integer> epochs = epochs();
    for (int i = 0; i < epochs.size() - keep; i++) {
      Path old = HadoopModelDirectory.qualified(pathOf(epochs.get(i)), conf);
      old.getFileSystem(conf).delete(old, true);
    }
  }

  private static void checkEpoch(int epoch) {
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be positive (1-based); epoch=" + epoch);
    }
  }
}
