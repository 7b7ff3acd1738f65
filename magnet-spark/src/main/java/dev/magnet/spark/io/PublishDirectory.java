package dev.magnet.spark.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A directory of published model versions with a {@code LATEST} pointer, for scheduled retraining
 * (docs/design.md, "The model directory"):
 *
 * <pre>
 * dir/v1/  dir/v2/ ...      versions: the model directory, metrics.json, report/, publish.json
 * dir/LATEST                "v2": the newest promoted version, the one consumers read
 * dir/.staging-RUN-UUID/    a version being written, before it has a number
 * dir/.runs/RUN/            the checkpoints of a run in progress (deleted once it has published)
 * dir/vN/_COMPLETE          on an object store only: the copy of vN is whole (see below)
 * </pre>
 *
 * <h2>What the caller does</h2>
 *
 * <pre>{@code
 * PublishDirectory.Attempt attempt = dir.begin(runId, validation, metric, gate);
 * if (attempt.finished().isPresent()) {
 *   // this run id has published already (an interrupted promotion is finished by begin): report
 *   // attempt.finished().get(), exit by its publication's promoted(), and do not train
 * }
 * // train, checkpointing into attempt.checkpointPath(); write the complete version (model,
 * // metrics.json, report) into attempt.stagingPath()
 * PublishDirectory.Published published = attempt.publish(finalMetrics);   // commit, move LATEST
 * }</pre>
 *
 * {@link #begin} throws {@link IllegalArgumentException} (a bad argument) for a file system that
 * cannot hold a publish directory and for a gate that compares with a latest version measured on
 * other data or with another metric; {@link IOException} for unreadable contents. Nothing else is
 * needed: no lock to take or release, no check to repeat.
 *
 * <h2>The protocol</h2>
 *
 * <p>A version is written whole under a staging name, then committed by one rename to {@code vN},
 * N one above the highest version listed. The rename is atomic and refuses an existing target
 * ({@link AtomicMoves}), so it is a compare-and-swap on the name {@code vN}: of two publishers that
 * listed the same versions one commit succeeds, and the other lists again, checks its run id again,
 * evaluates its gate against the new latest and tries {@code vN+1}. The record {@code publish.json}
 * (promoted or refused, and the latest it was compared with) is written into the staging directory
 * before the rename, so the run-id check, the gate's decision and the commit are one atomic step,
 * and version names cannot collide. There is no lock: nothing to hold, take over or leave stale.
 *
 * <p>{@code LATEST} is derived: it names the highest promoted version. A publisher writes it
 * after its commit as a single file (a temporary file renamed over it) and then lists the versions
 * again, writing it again while a newer promoted version has appeared. {@link #begin} repairs it
 * too, so a run killed between its commit and the pointer is finished by the next run of any id.
 * A version is complete before it has its name, so {@code LATEST} only ever names a whole, accepted
 * version. To take a version out of service, set {@code "promoted"} to false in its
 * {@code publish.json}: the next run moves {@code LATEST} to the newest promoted version left.
 *
 * <p>A rerun of a run id never trains again once the run's version exists or lies complete in a
 * staging directory with its record (a commit interrupted before the rename): {@link #begin}
 * commits such a staged version and reports it as finished.
 *
 * <h2>On an object store (S3)</h2>
 *
 * <p>S3 has no rename (S3A copies each object, then deletes it) and no directories, but it refuses
 * a PUT with {@code If-None-Match: *} when the key exists, atomically: that create-if-absent is the
 * compare-and-swap on {@code vN} instead ({@link AtomicMoves}). The layout and the records are the
 * same; the commit differs:
 *
 * <ol>
 *   <li>the version is staged and its record written into the staging, as above;
 *   <li>claim: {@code vN/publish.json} is created only if absent, holding the record and the
 *       staging's name ({@code "stagedIn"}). This is the commit: the run id, the gate's decision
 *       (against the latest claimed promoted version) and the number are fixed by one conditional
 *       PUT. A publisher refused it (412) lists again and decides again, as after a refused rename;
 *   <li>copy: each staged file is copied into {@code vN/}; then {@code vN/}{@value #COMPLETE} is
 *       written, the last object of a version, and the staging deleted;
 *   <li>{@code LATEST} names the highest promoted version that is complete, written by one PUT
 *       (S3 shows the old object or the new, never half), and re-checked as above.
 * </ol>
 *
 * <p>A claimed version may be partial until its {@value #COMPLETE} exists, so {@code LATEST} never
 * names it before, and readers ({@link #resolve}, {@link #latest}, {@code DIR/latest}) go through
 * {@code LATEST}. A publisher killed after its claim leaves the claim naming a staging that is
 * still whole (a staging is deleted only once its version is complete): every {@link #begin}, of
 * any run id, finishes the copy of each claimed version that is not complete, says so on
 * {@code messages}, and then repairs {@code LATEST}; so does a publisher that finds its run id
 * claimed by another attempt. Two processes may copy one version at once (its publisher still
 * alive, and a begin): they write the same bytes, and an object S3 shows is always whole. A rerun
 * of a run id whose version is claimed trains nothing, as on HDFS. Versions are numbered without
 * gaps (a claim of {@code vN} follows a listing that showed {@code vN-1}), so at most one claim
 * per run id can succeed, and a staging a claim names is never one that another attempt of its run
 * deletes as a leftover. Publishing to S3 needs an endpoint that honours {@code If-None-Match} on
 * PUT (AWS S3 since August 2024): one that ignores it would let two publishers claim one number.
 *
 * <p><b>File systems.</b> Reading ({@link #resolve}, {@link #latest}) works on any Hadoop file
 * system. Publishing needs an atomic rename that refuses an existing target (HDFS, the local file
 * system or NFS), or an atomic create-if-absent (S3 through S3A); any other file system is refused
 * with a message saying what to use instead (docs/reliability.md). The protocol is tried under
 * injected faults, a kill between any two file operations included, in {@code FaultInjectionTest}
 * (both variants), with racing publishers on HDFS in {@code HdfsPublishTest}, and on S3 through
 * S3A against an S3 endpoint in {@code S3Test}.
 */
public final class PublishDirectory {
  /** The pointer file. */
  public static final String LATEST = "LATEST";
  /** {@code DIR/latest} names the latest version of the publish directory DIR. */
  public static final String LATEST_ALIAS = "latest";
  /** The scratch object that checks an object store's conditional create, in {@code .runs/RUN/}. */
  static final String PROBE = ".conditional-put-probe";
  /** Each version's publication record. */
  public static final String METADATA = "publish.json";
  /** Where a run's checkpoints go, by run id. */
  public static final String RUNS = ".runs";
  /**
   * On an object store, the last object of a version: written once every file of the version has
   * been copied into it, so a version without it may be partial and is never named by {@link #LATEST}.
   */
  public static final String COMPLETE = "_COMPLETE";
  /** Format of {@link #METADATA}. */
  public static final int FORMAT_VERSION = 1;
  /** Run ids become file names: letters, digits, '.', '_' and '-', at most this long. */
  public static final int MAX_RUN_ID_LENGTH = 100;

  private static final Pattern VERSION = Pattern.compile("v(\\d{1,9})");
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_RUN_ID_LENGTH + "}");
  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final String STAGING_PREFIX = ".staging-";
  /** The field of an object store's claim ({@code vN/publish.json}) naming the staging it is copied from. */
  private static final String CLAIMED_FROM = "stagedIn";
  private static final int IO_BUFFER_BYTES = 4096;
  /** Reads of {@code LATEST} tried when another publisher replaces it meanwhile ({@link #pointer}). */
  static final int POINTER_READS = 5;
  private static final long POINTER_RETRY_MILLIS = 50;
  private static final String S3A_CHANGED = "org.apache.hadoop.fs.s3a.RemoteFileChangedException";
  /** Failed writes of the pointer tolerated in one move (another publisher's clean-up can cause one). */
  private static final int MAX_POINTER_FAILURES = 3;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path root;
  private final FileSystem fs;
  private final Configuration conf;
  private final Consumer<String> messages;
  /** Records of committed versions, which never change once committed. */
  private final Map<Integer, Publication> records = new ConcurrentHashMap<>();
  /** On an object store, versions known to be whole ({@link #COMPLETE}), which they stay. */
  private final Set<Integer> complete = ConcurrentHashMap.newKeySet();

  /**
   * One version's publication record ({@code vN/publish.json}).
   *
   * @param version N
   * @param runId the run that trained it
   * @param publishedAt when it was committed (ISO-8601)
   * @param promoted whether its gate let it become latest
   * @param previous the latest version when it was committed ({@code vM}), or null
   * @param validation the held-out data its metrics were computed on, as the run stated it
   * @param metric the metric {@code --no-worse-than} compares
   * @param metrics the final held-out metrics
   * @param refusals why it was not promoted, one line each; empty when promoted
   */
  public record Publication(int formatVersion, int version, String runId, String publishedAt, boolean promoted,
      String previous, String validation, String metric, Map<String, Double> metrics, List<String> refusals) {
    public Publication {
      metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
      refusals = refusals == null ? List.of() : List.copyOf(refusals);
    }

    /** {@code vN}. */
    public String name() {
      return "v" + version;
    }
  }

  /** What a run publishes: its identity and final held-out metrics, before it has a number. */
  public record Candidate(String runId, String validation, String metric, Map<String, Double> metrics) {
    public Candidate {
      checkRunId(runId);
      metrics = Map.copyOf(metrics);
    }
  }

  /** Decides, at the commit, whether a candidate may become latest given the current latest. */
  @FunctionalInterface
  public interface Gate {
    /** Why {@code candidate} must not be promoted over {@code latest}, one line each; empty to promote it. */
    List<String> refusals(Candidate candidate, Optional<Publication> latest);

    /** Whether this gate compares with the latest version: {@link #begin} then refuses one measured otherwise. */
    default boolean comparesWithLatest() {
      return false;
    }

    /** A gate that always promotes. */
    static Gate always() {
      return (candidate, latest) -> List.of();
    }

    /**
     * {@code --no-worse-than latest:tolerance}: the candidate's metric must be at least the latest's
     * minus {@code tolerance}, computed with the same metric on the same validation data; a first
     * publication passes. Metrics compared are all "higher is better" (accuracies, precision,
     * recall, MAP@R, NMI).
     */
    static Gate noWorseThanLatest(double tolerance) {
      if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
        throw new IllegalArgumentException("tolerance must be finite and >= 0; tolerance=" + tolerance);
      }
      return new Gate() {
        @Override
        public List<String> refusals(Candidate candidate, Optional<Publication> latest) {
          if (latest.isEmpty()) {
            return List.of();
          }
          Publication current = latest.get();
          Optional<String> incomparable = incomparable(current, candidate.validation(), candidate.metric());
          if (incomparable.isPresent()) {
            return List.of(incomparable.get());
          }
          Double mine = candidate.metrics().get(candidate.metric());
          Double theirs = current.metrics().get(current.metric());
          if (mine == null || theirs == null) {
            return List.of(candidate.metric() + " was not computed (this run: " + mine + ", latest " + current.name()
                + ": " + theirs + ")");
          }
          if (!(mine >= theirs - tolerance)) {
            return List.of(candidate.metric() + "=" + mine + " is worse than latest " + current.name() + "'s "
                + theirs + " by more than the tolerance " + tolerance);
          }
          return List.of();
        }

        @Override
        public boolean comparesWithLatest() {
          return true;
        }
      };
    }

    /** Both gates' refusals. */
    default Gate and(Gate other) {
      Gate self = this;
      return new Gate() {
        @Override
        public List<String> refusals(Candidate candidate, Optional<Publication> latest) {
          List<String> all = new ArrayList<>(self.refusals(candidate, latest));
          all.addAll(other.refusals(candidate, latest));
          return all;
        }

        @Override
        public boolean comparesWithLatest() {
          return self.comparesWithLatest() || other.comparesWithLatest();
        }
      };
    }
  }

  /**
   * A committed version.
   *
   * @param publication its record (a concurrent attempt of the same run id may have committed it)
   * @param path where it lies
   * @param latest the version {@code LATEST} names afterwards, or null when none was promoted yet
   */
  public record Published(Publication publication, String path, String latest) {}

  /**
   * One attempt of a run: {@link #finished} when the run id has published already, else where to
   * write the version and how to commit it. Made by {@link #begin}.
   */
  public final class Attempt {
    private final String runId;
    private final String validation;
    private final String metric;
    private final Gate gate;
    private final Optional<Published> finished;
    private final Path staging;

    private Attempt(String runId, String validation, String metric, Gate gate, Optional<Published> finished) {
      this.runId = runId;
      this.validation = validation;
      this.metric = metric;
      this.gate = gate;
      this.finished = finished;
      this.staging = new Path(root, STAGING_PREFIX + runId + "-" + UUID.randomUUID());
    }

    /** The run's version, when this run id has published already: the caller has nothing to train. */
    public Optional<Published> finished() {
      return finished;
    }

    /** Where the caller writes the complete version (not created: the writer creates it). */
    public String stagingPath() {
      return staging.toString();
    }

    /** Where the run keeps its checkpoints, so that a rerun of the run id resumes; deleted once it has published. */
    public String checkpointPath() {
      return new Path(new Path(root, RUNS), runId).toString();
    }

    /**
     * Commits the version written at {@link #stagingPath}, with its final held-out metrics: numbers
     * it, records the gate's decision, and moves {@code LATEST} when the gate promoted it. A
     * refused version is kept (for inspection), unpointed. When another attempt of the same run id
     * has committed meanwhile, that version is returned and this one's staging is deleted.
     *
     * @throws IllegalStateException when the run had published before this attempt began
     */
    public Published publish(Map<String, Double> metrics) throws IOException {
      if (finished.isPresent()) {
        throw new IllegalStateException("run " + runId + " has published already: " + finished.get());
      }
      if (!fs.exists(staging) || !fs.getFileStatus(staging).isDirectory()) {
        throw new FileNotFoundException("staged version not found: " + staging);
      }
      return commit(staging, new Candidate(runId, validation, metric, metrics), gate);
    }
  }

  /** The directory at {@code path} (created on first publish); {@code messages} receives one line per recovery. */
  public PublishDirectory(String path, Configuration conf, Consumer<String> messages) throws IOException {
    this.root = HadoopModelDirectory.qualified(path, conf);
    this.fs = root.getFileSystem(conf);
    this.conf = conf;
    this.messages = Objects.requireNonNull(messages, "messages");
  }

  /** The directory, qualified. */
  public String path() {
    return root.toString();
  }

  /** Checks a run id (it becomes part of file names). */
  public static String checkRunId(String runId) {
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      throw new IllegalArgumentException("run id must be 1-" + MAX_RUN_ID_LENGTH
          + " letters, digits, '.', '_' or '-'; run id=" + runId);
    }
    return runId;
  }

  /**
   * Starts an attempt of run {@code runId}. Repairs {@code LATEST} when a killed run left it behind
   * its newest promoted version, and commits this run's version when an interrupted attempt left it
   * complete in staging; either is said on {@code messages}.
   *
   * @param validation the held-out data the run measures its metrics on, as it states it
   * @param metric the metric a comparing gate compares
   * @param gate decides at the commit whether the version is promoted
   * On an object store it first checks that the store refuses a second conditional create (two
   * PUTs of a probe object in the run's checkpoint directory, {@link #PROBE}), then finishes the
   * copy of every claimed version that a killed publisher left partial.
   *
   * @throws IllegalArgumentException when the file system cannot hold a publish directory
   *     ({@link AtomicMoves}: no atomic rename or create-if-absent, or an object store that
   *     overwrote the probe), or {@code gate} compares with the latest version and that was
   *     measured on other data or with another metric
   */
  public Attempt begin(String runId, String validation, String metric, Gate gate) throws IOException {
    checkRunId(runId);
    Objects.requireNonNull(gate, "gate");
    AtomicMoves moves = AtomicMoves.of(fs, root, conf);
    if (!moves.renamesDirectories()) {
      // in the run's own checkpoint directory, which goes with the run's other leftovers
      moves.checkCreateNoReplace(new Path(new Path(new Path(root, RUNS), runId), PROBE), root);
      finishCopies();
    }
    Optional<Publication> mine = versionOf(runId);
    if (mine.isEmpty()) {
      Optional<Published> staged = commitStaged(runId, gate);
      if (staged.isPresent()) {
        return new Attempt(runId, validation, metric, gate, staged);
      }
    }
    String latest = movePointer(true);
    if (mine.isPresent()) {
      removeLeftovers(runId);
      return new Attempt(runId, validation, metric, gate,
          Optional.of(new Published(mine.get(), versionPath(mine.get().version()).toString(), latest)));
    }
    if (gate.comparesWithLatest()) {
      Optional<Publication> current = latestPromoted(versions(), false);
      if (current.isPresent()) {
        incomparable(current.get(), validation, metric).ifPresent(why -> {
          throw new IllegalArgumentException(why + "; measure on the same validation data with the same metric, or"
              + " publish to another directory");
        });
      }
    }
    return new Attempt(runId, validation, metric, gate, Optional.empty());
  }

  /**
   * The model directory {@code path} names: a publish directory (one holding {@code LATEST}) resolves
   * to its latest version, and so does {@code DIR/latest} (the pointer spelled out, when no such
   * directory exists); a version or model directory is itself.
   *
   * @throws FileNotFoundException naming the directory when it is a publish directory with no
   *     accepted version yet, or when {@code LATEST} names a missing version
   */
  public static String resolve(String path, Configuration conf) throws IOException {
    Path named = HadoopModelDirectory.qualified(path, conf);
    FileSystem fs = named.getFileSystem(conf);
    if (named.getName().equals(LATEST_ALIAS) && named.getParent() != null && !fs.exists(named)
        && fs.exists(new Path(named.getParent(), LATEST))) {
      path = named.getParent().toString();
    }
    PublishDirectory dir = new PublishDirectory(path, conf, message -> {});
    if (!dir.fs.exists(new Path(dir.root, LATEST))) {
      if (dir.fs.exists(dir.root) && !dir.versions().isEmpty()) {
        throw new FileNotFoundException("publish directory " + dir.root + " has no " + LATEST
            + " (no version passed its gate yet)");
      }
      return path;
    }
    return dir.latestPath().orElseThrow();
  }

  /** The directory of the version {@code LATEST} names, when there is one. */
  public Optional<String> latestPath() throws IOException {
    Optional<String> name = pointer();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Path version = new Path(root, name.get());
    if (!fs.exists(version)) {
      throw new FileNotFoundException(LATEST + " in " + root + " names " + name.get() + ", which does not exist");
    }
    return Optional.of(version.toString());
  }

  /** The record of the version {@code LATEST} names, if any version was promoted. */
  public Optional<Publication> latest() throws IOException {
    Optional<String> path = latestPath();
    return path.isEmpty() ? Optional.empty() : Optional.of(record(versionNumber(new Path(path.get()).getName())));
  }

  /** The version published by {@code runId} (promoted or refused), if any. */
  public Optional<Publication> findRun(String runId) throws IOException {
    return versionOf(checkRunId(runId));
  }

  /** Version numbers, ascending (staging directories are not versions). */
  public List<Integer> versions() throws IOException {
    return HadoopModelDirectory.numberedDirectories(fs, root, VERSION);
  }

  /**
   * Why a version measured on {@code validation} with {@code metric} cannot be compared with
   * {@code latest}: another validation set or metric; empty when it can.
   */
  public static Optional<String> incomparable(Publication latest, String validation, String metric) {
    if (!Objects.equals(latest.validation(), validation) || !Objects.equals(latest.metric(), metric)) {
      return Optional.of("cannot compare with latest " + latest.name() + ": it was measured with " + latest.metric()
          + " on validation '" + latest.validation() + "', this run with " + metric + " on validation '" + validation
          + "'");
    }
    return Optional.empty();
  }

  // --- The commit --------------------------------------------------------------------------------

  /**
   * Commits the complete version at {@code staging}: lists the versions, checks the run id,
   * evaluates the gate against the newest promoted version, records the decision and renames the
   * staging directory to the next number; when another publisher took that number first, the same
   * again. Then moves the pointer and removes the run's leftovers.
   */
  private Published commit(Path staging, Candidate candidate, Gate gate) throws IOException {
    AtomicMoves moves = AtomicMoves.of(fs, root, conf);
    while (true) {
      // One listing for all three: a version committed after it makes the rename below fail.
      List<Integer> versions = versions();
      Optional<Publication> done = versionOf(candidate.runId(), versions);
      if (done.isPresent()) {
        messages.accept("run " + candidate.runId() + " was published as " + done.get().name() + " by another attempt"
            + " while this one ran; this attempt's version is discarded");
        fs.delete(staging, true);
        return finish(done.get());
      }
      if (!fs.exists(staging)) {
        throw new FileNotFoundException("staged version not found: " + staging);
      }
      Optional<Publication> latest = latestPromoted(versions, false);
      List<String> refusals = gate.refusals(candidate, latest);
      int version = versions.isEmpty() ? 1 : versions.get(versions.size() - 1) + 1;
      Publication publication = new Publication(FORMAT_VERSION, version, candidate.runId(), Instant.now().toString(),
          refusals.isEmpty(), latest.map(Publication::name).orElse(null), candidate.validation(), candidate.metric(),
          candidate.metrics(), refusals);
      Path record = new Path(staging, METADATA);
      boolean committed;
      try {
        // Not recursive: should another attempt of this run commit and remove this staging
        // directory meanwhile, a plain create would make it again, holding nothing but the record.
        try (OutputStream out = fs.createNonRecursive(record, true, IO_BUFFER_BYTES, fs.getDefaultReplication(record),
            fs.getDefaultBlockSize(record), null)) {
          JSON.writeValue(out, publication);
        }
        committed = moves.renamesDirectories() ? moves.renameNoReplace(staging, versionPath(version))
            : claim(moves, staging, publication);
      } catch (IOException e) {
        if (fs.exists(staging)) {
          throw e;
        }
        continue; // removed by an attempt that published this run: the next listing finds its version
      }
      if (committed) {
        records.put(version, publication);
        return finish(publication);
      }
      // Another publisher committed this number first: list again, and decide again.
    }
  }

  private Published finish(Publication publication) throws IOException {
    if (!AtomicMoves.of(fs, root, conf).renamesDirectories()) {
      finishCopy(publication.version()); // claimed by another attempt of this run, which may have died copying it
    }
    String latest = movePointer(false);
    removeLeftovers(publication.runId());
    return new Published(publication, versionPath(publication.version()).toString(), latest);
  }

  /**
   * Commits a complete version of {@code runId} that an interrupted attempt left staged with its
   * record (its commit stopped before the rename), so that a rerun does not train again.
   */
  private Optional<Published> commitStaged(String runId, Gate gate) throws IOException {
    for (Path staging : stagings(runId)) {
      Publication recorded;
      try {
        recorded = read(new Path(staging, METADATA));
      } catch (IOException e) {
        continue; // no record, or a torn one: the attempt died before its commit began
      }
      if (!recorded.runId().equals(runId)) {
        continue;
      }
      messages.accept("an earlier attempt of run " + runId + " left its version complete in " + staging
          + " and died before committing it; committing it now");
      return Optional.of(commit(staging, new Candidate(runId, recorded.validation(), recorded.metric(),
          recorded.metrics()), gate));
    }
    return Optional.empty();
  }

  /**
   * Makes {@code LATEST} name the newest promoted version: writes it when it does not, then reads
   * the versions again in case a newer one was promoted meanwhile (whose publisher may have written
   * its name before this one's).
   *
   * @param repairing whether this is not after a commit of this process: a move then repairs a
   *     pointer some other publisher did not move, and is said on the messages
   * @return the version named, or null when none is promoted
   */
  private String movePointer(boolean repairing) throws IOException {
    boolean said = false;
    int failures = 0;
    while (true) {
      Optional<Publication> newest = latestPromoted(versions(), true);
      if (newest.isEmpty()) {
        return null;
      }
      String name = newest.get().name();
      Optional<String> current = pointer();
      if (current.isPresent() && current.get().equals(name)) {
        return name;
      }
      if (repairing && !said) {
        messages.accept(LATEST + " in " + root + (current.isPresent() ? " named " + current.get() + ", behind "
            : " was missing, behind ") + name + " (run " + newest.get().runId() + "), which was promoted without"
            + " moving it (its publisher died, or is moving it now); " + LATEST + " now names " + name);
        said = true;
      }
      try {
        AtomicMoves.of(fs, root, conf).replace(new Path(root, LATEST), (name + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // A publisher finishing meanwhile may delete a temporary pointer file as a leftover: try again.
        if (++failures > MAX_POINTER_FAILURES) {
          throw e;
        }
      }
    }
  }

  /**
   * The highest of {@code versions} whose record says promoted; with {@code wholeOnly}, the highest
   * whose copy is also complete (on an object store, a claimed version is committed, and a gate
   * compares with it, before it is whole enough for {@link #LATEST} to name).
   */
  private Optional<Publication> latestPromoted(List<Integer> versions, boolean wholeOnly) throws IOException {
    for (int i = versions.size() - 1; i >= 0; i--) {
      Publication publication = record(versions.get(i));
      if (publication.promoted() && (!wholeOnly || isComplete(publication.version()))) {
        return Optional.of(publication);
      }
    }
    return Optional.empty();
  }

  // --- The commit on an object store ---------------------------------------------------------------

  /**
   * Commits the version staged at {@code staging} on an object store: claims {@code vN} by
   * creating its record {@code vN/publish.json} only if absent, the record naming the staging;
   * then copies the staged files in and marks the version {@link #COMPLETE}.
   *
   * @return false, with nothing written, when another publisher claimed {@code vN} first
   */
  private boolean claim(AtomicMoves moves, Path staging, Publication publication) throws IOException {
    ObjectNode claim = JSON.valueToTree(publication);
    claim.put(CLAIMED_FROM, staging.toString());
    if (!moves.createNoReplace(new Path(versionPath(publication.version()), METADATA), JSON.writeValueAsBytes(claim))) {
      return false;
    }
    records.put(publication.version(), publication);
    copy(publication.version(), staging);
    return true;
  }

  /** Finishes the copy of every claimed version that is not complete: its publisher died copying it, or is copying now. */
  private void finishCopies() throws IOException {
    for (int version : versions()) {
      if (!isComplete(version)) {
        messages.accept(versionPath(version) + " (run " + record(version).runId() + ") was claimed but not copied"
            + " whole (its publisher died, or is copying it now); finishing its copy");
        finishCopy(version);
      }
    }
  }

  /** Copies the files of claimed version {@code version} from the staging its claim names, unless it is complete. */
  private void finishCopy(int version) throws IOException {
    if (isComplete(version)) {
      return;
    }
    Path claim = new Path(versionPath(version), METADATA);
    String staging;
    try (InputStream in = fs.open(claim)) {
      staging = JSON.readTree(in).path(CLAIMED_FROM).asText("");
    }
    if (staging.isEmpty()) {
      throw new IOException(versionPath(version) + " has no " + COMPLETE + " and its " + METADATA + " names no staging"
          + " to copy it from: it was not published by Magnet; move it out of " + root);
    }
    copy(version, new Path(staging));
  }

  /**
   * Copies the staged files into version {@code version} (whose record is there: the claim), then
   * writes {@link #COMPLETE} and deletes the staging. Several processes may copy one version at
   * once (its publisher, the next {@link #begin}, another attempt of its run): each copies the same
   * bytes, and the staging is deleted only once the version is complete.
   *
   * <p>Each file goes through this process (S3A 3.3 has no copy but its rename, which would delete
   * the source that a killed copy must be finished from).
   */
  private void copy(int version, Path staging) throws IOException {
    Path target = versionPath(version);
    String prefix = staging.toUri().getPath() + "/";
    try {
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(staging, true);
      while (files.hasNext()) {
        Path file = files.next().getPath();
        String relative = file.toUri().getPath().substring(prefix.length());
        if (!relative.equals(METADATA)) {
          FileUtil.copy(fs, file, fs, new Path(target, relative), false, true, conf);
        }
      }
    } catch (FileNotFoundException e) {
      if (isComplete(version)) {
        return; // another process completed it and deleted the staging
      }
      throw new FileNotFoundException(target + " was claimed from " + staging + ", whose files are gone before its"
          + " copy was complete (" + e.getMessage() + "); move " + target + " out of " + root);
    }
    try (OutputStream out = fs.create(new Path(target, COMPLETE), true)) {
      out.write((target.getName() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    complete.add(version);
    fs.delete(staging, true);
  }

  /** Whether version {@code version} is whole: always, where a version is committed by a rename. */
  private boolean isComplete(int version) throws IOException {
    if (complete.contains(version) || AtomicMoves.of(fs, root, conf).renamesDirectories()) {
      return true;
    }
    if (fs.exists(new Path(versionPath(version), COMPLETE))) {
      complete.add(version);
      return true;
    }
    return false;
  }

  private Optional<Publication> versionOf(String runId) throws IOException {
    return versionOf(runId, versions());
  }

  private Optional<Publication> versionOf(String runId, List<Integer> versions) throws IOException {
    for (int version : versions) {
      Publication publication = record(version);
      if (publication.runId().equals(runId)) {
        return Optional.of(publication);
      }
    }
    return Optional.empty();
  }

  /**
   * Deletes what a published run no longer needs: its checkpoints and the staging directories of its
   * attempts; and any temporary pointer file a killed publisher left.
   */
  private void removeLeftovers(String runId) {
    List<Path> leftovers = new ArrayList<>();
    leftovers.add(new Path(new Path(root, RUNS), runId));
    try {
      leftovers.addAll(stagings(runId));
      for (FileStatus status : fs.listStatus(root)) {
        if (AtomicMoves.isTemporary(status.getPath().getName(), LATEST)) {
          leftovers.add(status.getPath());
        }
      }
      for (Path leftover : leftovers) {
        if (fs.exists(leftover)) {
          fs.delete(leftover, true);
        }
      }
    } catch (IOException e) {
      messages.accept("could not delete the leftovers of run " + runId + " (" + leftovers + "): " + e.getMessage());
    }
  }

  /** The staging directories of {@code runId}'s attempts. */
  private List<Path> stagings(String runId) throws IOException {
    List<Path> stagings = new ArrayList<>();
    if (!fs.exists(root)) {
      return stagings;
    }
    String prefix = STAGING_PREFIX + runId + "-";
    for (FileStatus status : fs.listStatus(root)) {
      String name = status.getPath().getName();
      if (status.isDirectory() && name.startsWith(prefix)
          && UUID_TEXT.matcher(name.substring(prefix.length())).matches()) {
        stagings.add(status.getPath());
      }
    }
    return stagings;
  }

  // --- Files ---------------------------------------------------------------------------------------

  private Path versionPath(int version) {
    return new Path(root, "v" + version);
  }

  private static int versionNumber(String name) {
    return Integer.parseInt(name.substring(1));
  }

  /** The record of a committed version, read once. */
  private Publication record(int version) throws IOException {
    Publication known = records.get(version);
    if (known != null) {
      return known;
    }
    Path metadata = new Path(versionPath(version), METADATA);
    Publication publication;
    try {
      publication = read(metadata);
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException(versionPath(version) + " has no " + METADATA + ": it was not published by"
          + " Magnet; move it out of " + root);
    }
    if (publication.version() != version) {
      throw new IOException(metadata + " records version " + publication.version() + ", not " + version
          + ": it was copied or renamed by hand; move it out of " + root);
    }
    records.put(version, publication);
    return publication;
  }

  /**
   * The version {@code LATEST} names. On an object store another publisher may replace it while
   * this one reads it: S3A then fails the read with its {@code RemoteFileChangedException} (the
   * object's ETag changed between the open and the read, or the store answered without one
   * mid-replace), which S3A does not retry. The replacement is whole (one PUT), so the read is
   * tried again, up to {@link #POINTER_READS} times; any other failure is thrown at once.
   */
  private Optional<String> pointer() throws IOException {
    Path pointer = new Path(root, LATEST);
    String name;
    for (int attempt = 1; ; attempt++) {
      try (InputStream in = fs.open(pointer)) {
        name = new String(in.readNBytes(64), StandardCharsets.UTF_8).strip();
        break;
      } catch (FileNotFoundException e) {
        return Optional.empty();
      } catch (IOException e) {
        if (attempt >= POINTER_READS || !changedWhileRead(e)) {
          throw e;
        }
        pause(attempt * POINTER_RETRY_MILLIS);
      }
    }
    if (!VERSION.matcher(name).matches()) {
      throw new IOException(pointer + " must hold a version name like v3; found '" + name + "'");
    }
    return Optional.of(name);
  }

  /**
   * Whether a read failed because the object changed under it: S3A's
   * {@code org.apache.hadoop.fs.s3a.RemoteFileChangedException}, matched by name so that this
   * class loads without hadoop-aws (only {@link S3ConditionalPut} links against it).
   */
  static boolean changedWhileRead(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass().getName().equals(S3A_CHANGED)) {
        return true;
      }
    }
    return false;
  }

  private static void pause(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading " + LATEST + " again");
    }
  }

  private Publication read(Path metadata) throws IOException {
    try (InputStream in = fs.open(metadata)) {
      Publication publication = JSON.readValue(in, Publication.class);
      if (publication.formatVersion() < 1 || publication.formatVersion() > FORMAT_VERSION) {
        throw new IOException(metadata + " has format version " + publication.formatVersion()
            + ", which this Magnet cannot read (it reads 1.." + FORMAT_VERSION + ")");
      }
      return publication;
    } catch (JsonProcessingException e) {
      throw new IOException(metadata + " is not a valid publication record: " + e.getOriginalMessage(), e);
    }
  }
}
