package dev.magnet.spark.io;

import dev.magnet.core.model.ArtifactStore;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.core.matrix.Matrices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Updater;
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
  /** The file holding the training data's fingerprint (one line of text). */
  static final String FINGERPRINT_FILE = "data-fingerprint.txt";

  private final String dir;
  private final Configuration conf;
  private final int keep;

  /**
   * One saved epoch.
   *
   * @param epoch 1-based epoch that the model finished
   * @param model the network (with updater state), index and the rest of the artifact
   * @param history the metrics of every epoch up to and including this one
   * @param dataFingerprint what the trainer recorded of its training data, or null for a
   *     checkpoint written without one (by an earlier Magnet)
   */
  public record Checkpoint(int epoch, ModelArtifact model, List<SparkEpochMetrics> history, String dataFingerprint) {
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

  /** Writes one epoch's checkpoint without a data fingerprint; see {@link #write(int, ModelArtifact, List, String)}. */
  public void write(int epoch, ModelArtifact model, List<SparkEpochMetrics> history) throws IOException {
    write(epoch, model, history, null);
  }

  /**
   * Writes one epoch's checkpoint atomically (replacing one of the same epoch), then prunes. Its
   * metrics file and data fingerprint are files of the model, so metadata.json records their
   * digests too.
   *
   * @param dataFingerprint one line describing the training data, or null
   * @throws IOException also when the network's parameters or updater state are not finite: a
   *     checkpoint is what a resumed run starts from, and must never hold a diverged state
   */
  public void write(int epoch, ModelArtifact model, List<SparkEpochMetrics> history, String dataFingerprint)
      throws IOException {
    Objects.requireNonNull(model, "model");
    String nonFinite = nonFinite(model);
    if (nonFinite != null) {
      throw new IOException("refusing to write the checkpoint of epoch " + epoch + " to " + pathOf(epoch) + ": "
          + nonFinite);
    }
    ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    MetricsJson.write(metrics, List.copyOf(history), Map.of());
    Map<String, byte[]> files = new HashMap<>();
    files.put(MetricsJson.FILE_NAME, metrics.toByteArray());
    if (dataFingerprint != null) {
      files.put(FINGERPRINT_FILE, dataFingerprint.getBytes(StandardCharsets.UTF_8));
    }
    HadoopModelDirectory.write(pathOf(epoch), conf, true, store -> model.writeTo(store, files));
    prune();
  }

  /** Why the model's state is not finite, or null when it is. */
  private static String nonFinite(ModelArtifact model) {
    if (!Matrices.allFinite(model.network().params())) {
      return "its parameters are not finite (NaN or infinite)";
    }
    Updater updater = model.network().getUpdater(false);
    if (updater != null && !Matrices.allFinite(updater.getStateViewArray())) {
      return "its updater state is not finite (NaN or infinite)";
    }
    return null;
  }

  /** The newest checkpoint that reads whole; see {@link #latest(Consumer)}. Skipped ones are only logged. */
  public Optional<Checkpoint> latest() throws IOException {
    return latest(LOG::warn);
  }

  /**
   * The checkpoint of the highest epoch that reads whole, passes its digest checks and holds finite
   * parameters. A newer one that does not (a partial copy on an object store, a corrupt file, the
   * NaN weights of a run that diverged before Magnet checked for divergence) is skipped, and
   * {@code skipped} told why, naming it: the newest's reason only when an older one is used, since
   * otherwise it is the error thrown.
   *
   * @throws IOException the newest checkpoint's error, when checkpoints exist and none of them reads
   */
  public Optional<Checkpoint> latest(Consumer<String> skipped) throws IOException {
    List<Integer> epochs = epochs();
    IOException newest = null;
    List<String> reasons = new ArrayList<>();
    for (int i = epochs.size() - 1; i >= 0; i--) {
      int epoch = epochs.get(i);
      try {
        Checkpoint checkpoint = read(epoch);
        reasons.forEach(skipped);
        return Optional.of(checkpoint);
      } catch (IOException e) {
        newest = newest == null ? e : newest;
        reasons.add("checkpoint " + pathOf(epoch) + (e instanceof NonFiniteState ? " holds a diverged state"
            : " is incomplete or corrupt") + ", skipped: " + e.getMessage());
      }
    }
    if (newest != null) {
      reasons.subList(1, reasons.size()).forEach(skipped);
      throw newest; // none reads: the newest's error says why, the others' were told to skipped
    }
    return Optional.empty();
  }

  private Checkpoint read(int epoch) throws IOException {
    ArtifactStore store = HadoopModelDirectory.reader(pathOf(epoch), conf);
    ModelArtifact model = ModelArtifact.readFrom(store);
    String nonFinite = nonFinite(model);
    if (nonFinite != null) {
      throw new NonFiniteState(store.location() + ": " + nonFinite + "; a run that diverged wrote it");
    }
    List<SparkEpochMetrics> history;
    try (InputStream in = store.open(MetricsJson.FILE_NAME)) {
      history = MetricsJson.read(in, store.location() + "/" + MetricsJson.FILE_NAME).epochs();
    }
    String fingerprint;
    try (InputStream in = store.open(FINGERPRINT_FILE)) {
      fingerprint = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.FileNotFoundException e) {
      fingerprint = null; // written before fingerprints (its digests, checked above, would name a lost one)
    }
    return new Checkpoint(epoch, model, history, fingerprint);
  }

  /** Epochs of the complete checkpoints, ascending. */
  public List<Integer> epochs() throws IOException {
    Path root = HadoopModelDirectory.qualified(dir, conf);
    return HadoopModelDirectory.numberedDirectories(root.getFileSystem(conf), root, NAME);
  }

  private void prune() throws IOException {
    List<Integer> epochs = epochs();
    for (int i = 0; i < epochs.size() - keep; i++) {
      Path old = HadoopModelDirectory.qualified(pathOf(epochs.get(i)), conf);
      old.getFileSystem(conf).delete(old, true);
    }
  }

  /** A checkpoint whose parameters or updater state are not finite. */
  private static final class NonFiniteState extends IOException {
    private static final long serialVersionUID = 1L;

    NonFiniteState(String message) {
      super(message);
    }
  }

  private static void checkEpoch(int epoch) {
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be positive (1-based); epoch=" + epoch);
    }
  }
}
