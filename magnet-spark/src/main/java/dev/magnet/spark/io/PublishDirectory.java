package dev.magnet.spark.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A directory of published model versions with a {@code LATEST} pointer, on any Hadoop file
 * system, for scheduled retraining (docs/design.md, "The model directory"):
 *
 * <pre>
 * dir/v1/  dir/v2/ ...      complete versions: the model directory, metrics.json, report/, publish.json
 * dir/LATEST                "v2": the version a consumer ({@code --model latest}) reads
 * dir/.lock                 held while a version number is allocated and the pointer moved
 * dir/.staging-RUN-UUID/    a version being written, before it has a number
 * </pre>
 *
 * <p>A run writes its version under a hidden staging name, then under the lock: allocates the next
 * number (one above the highest {@code vN}), asks its gate about the current latest, writes
 * {@code publish.json}, renames the staging directory to {@code vN}, and, when the gate passed,
 * replaces {@code LATEST} by write-temporary-then-rename. So a version is whole or invisible, and
 * {@code LATEST} only ever names a whole, accepted version: a run killed at any point leaves at most
 * a staging directory, an unpointed {@code vN} and a stale lock, never a partial latest.
 *
 * <p><b>Concurrent publishers</b> are serialised by the lock: each gets its own version number, and
 * each gate is evaluated against the latest at the moment it holds the lock. So with
 * {@code --no-worse-than latest} the pointer ends at the better of two racing runs whatever their
 * order (a worse one arriving second is refused); without a comparison it ends at the later one.
 *
 * <p><b>The lock</b> is a file created exclusively, holding its owner (host and process), run id and
 * time. Hadoop's {@code FileSystem.create(path, false)} is exclusive on HDFS (the name node creates
 * the file atomically) but not on the local file system, where {@code RawLocalFileSystem} checks
 * existence and then opens the file: two threads can both "create" it. Local paths therefore go
 * through {@code java.nio} ({@code CREATE_NEW}, which is {@code O_EXCL}; {@code ATOMIC_MOVE} for the
 * pointer); other file systems through Hadoop ({@code create(path, false)}; {@link FileContext}'s
 * rename with {@code OVERWRITE} for the pointer). A lock older than {@code staleAfter}, or held by
 * the same run id (an earlier attempt of this run that died), is stale: it is renamed aside with a
 * message naming its owner and taken over. Rename of the stale lock is atomic, so of two runs
 * recovering the same stale lock only one takes it over.
 */
public final class PublishDirectory {
  /** The pointer file. */
  public static final String LATEST = "LATEST";
  /** {@code DIR/latest} names the latest version of the publish directory DIR. */
  public static final String LATEST_ALIAS = "latest";
  /** The lock file. */
  public static final String LOCK = ".lock";
  /** Each version's publication record. */
  public static final String METADATA = "publish.json";
  /** Format of {@link #METADATA}. */
  public static final int FORMAT_VERSION = 1;
  /**
   * Thirty minutes: the lock is held for a few renames and small writes, so a lock this old was
   * left by a killed run; long enough that a slow name node never makes a live lock look stale.
   */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(30);
  /** Run ids become file names: letters, digits, '.', '_' and '-', at most this long. */
  public static final int MAX_RUN_ID_LENGTH = 100;

  private static final Pattern VERSION = Pattern.compile("v(\\d{1,9})");
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_RUN_ID_LENGTH + "}");
  private static final String STAGING_PREFIX = ".staging-";
  private static final long POLL_MILLIS = 100;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path root;
  private final FileSystem fs;
  private final Configuration conf;
  private final Duration staleAfter;
  private final Consumer<String> messages;
  private final Clock clock;

  /**
   * One version's publication record ({@code vN/publish.json}).
   *
   * @param version N
   * @param runId the run that trained it
   * @param publishedAt when it was published (ISO-8601)
   * @param promoted whether {@code LATEST} was moved to it
   * @param previous the latest version when it was published ({@code vM}), or null
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

  /** Decides, under the lock, whether a candidate may become latest given the current latest. */
  @FunctionalInterface
  public interface Gate {
    /** Why the candidate must not be promoted, one line each; empty to promote it. */
    List<String> refusals(Optional<Publication> latest);

    /** A gate that always promotes. */
    static Gate always() {
      return latest -> List.of();
    }

    /**
     * {@code --no-worse-than latest:tolerance}: the candidate's metric must be at least the latest's
     * minus {@code tolerance}, computed with the same metric on the same validation data; a first
     * publication passes. Metrics compared are all "higher is better" (accuracies, precision,
     * recall, MAP@R, NMI).
     */
    static Gate noWorseThanLatest(Candidate candidate, double tolerance) {
      if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
        throw new IllegalArgumentException("tolerance must be finite and >= 0; tolerance=" + tolerance);
      }
      return latest -> {
        if (latest.isEmpty()) {
          return List.of();
        }
        Publication current = latest.get();
        Optional<String> incomparable = incomparable(current, candidate);
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
          return List.of(candidate.metric() + "=" + mine + " is worse than latest " + current.name() + "'s " + theirs
              + " by more than the tolerance " + tolerance);
        }
        return List.of();
      };
    }

    /** Both gates' refusals. */
    default Gate and(Gate other) {
      return latest -> {
        List<String> all = new ArrayList<>(refusals(latest));
        all.addAll(other.refusals(latest));
        return all;
      };
    }
  }

  /** The outcome of {@link #publish}: the record written, and where the version lies. */
  public record Published(Publication publication, String path) {}

  /** The directory at {@code path} (created on first publish), stale locks after {@link #DEFAULT_STALE_AFTER}. */
  public PublishDirectory(String path, Configuration conf, Consumer<String> messages) throws IOException {
    this(path, conf, DEFAULT_STALE_AFTER, messages, Clock.systemUTC());
  }

  /**
   * @param staleAfter a lock older than this is taken over
   * @param messages receives one line for each recovered lock
   */
  public PublishDirectory(String path, Configuration conf, Duration staleAfter, Consumer<String> messages, Clock clock)
      throws IOException {
    this.root = HadoopModelDirectory.qualified(path, conf);
    this.fs = root.getFileSystem(conf);
    this.conf = conf;
    if (staleAfter.isNegative() || staleAfter.isZero()) {
      throw new IllegalArgumentException("staleAfter must be positive; staleAfter=" + staleAfter);
    }
    this.staleAfter = staleAfter;
    this.messages = Objects.requireNonNull(messages, "messages");
    this.clock = Objects.requireNonNull(clock, "clock");
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

  /** The latest version's directory, when there is one. */
  public Optional<String> latestPath() throws IOException {
    Optional<String> name = latestName();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Path version = new Path(root, name.get());
    if (!fs.exists(version)) {
      throw new FileNotFoundException(LATEST + " in " + root + " names " + name.get() + ", which does not exist");
    }
    return Optional.of(version.toString());
  }

  /** The latest accepted version's record, if any version was accepted. */
  public Optional<Publication> latest() throws IOException {
    Optional<String> name = latestName();
    return name.isEmpty() ? Optional.empty() : Optional.of(read(new Path(new Path(root, name.get()), METADATA)));
  }

  /** The version published by {@code runId} (promoted or refused), if any. */
  public Optional<Publication> findRun(String runId) throws IOException {
    checkRunId(runId);
    for (int version : versions()) {
      Path metadata = new Path(new Path(root, "v" + version), METADATA);
      if (fs.exists(metadata)) {
        Publication publication = read(metadata);
        if (publication.runId().equals(runId)) {
          return Optional.of(publication);
        }
      }
    }
    return Optional.empty();
  }

  /** Complete version numbers, ascending (staging directories are not versions). */
  public List<Integer> versions() throws IOException {
    List<Integer> versions = new ArrayList<>();
    if (!fs.exists(root)) {
      return versions;
    }
    for (FileStatus status : fs.listStatus(root)) {
      Matcher m = VERSION.matcher(status.getPath().getName());
      if (status.isDirectory() && m.matches()) {
        versions.add(Integer.parseInt(m.group(1)));
      }
    }
    versions.sort(null);
    return versions;
  }

  /** A fresh staging path for {@code runId}'s version (not created: the writer creates it). */
  public String stagingPath(String runId) {
    return new Path(root, STAGING_PREFIX + checkRunId(runId) + "-" + UUID.randomUUID()).toString();
  }

  /**
   * Publishes the complete version written at {@code staging}: under the lock, numbers it, writes
   * its {@code publish.json}, renames it to {@code vN} and moves {@code LATEST} to it when
   * {@code gate} has no refusals. A refused version is kept (for inspection), unpointed.
   */
  public Published publish(String staging, Candidate candidate, Gate gate) throws IOException {
    Path stage = HadoopModelDirectory.qualified(staging, conf);
    if (!fs.exists(stage) || !fs.getFileStatus(stage).isDirectory()) {
      throw new FileNotFoundException("staged version not found: " + stage);
    }
    try (Lock ignored = lock(candidate.runId())) {
      Optional<Publication> latest = latest();
      List<String> refusals = gate.refusals(latest);
      List<Integer> versions = versions();
      int version = versions.isEmpty() ? 1 : versions.get(versions.size() - 1) + 1;
      Publication publication = new Publication(FORMAT_VERSION, version, candidate.runId(), now().toString(),
          refusals.isEmpty(), latest.map(Publication::name).orElse(null), candidate.validation(), candidate.metric(),
          candidate.metrics(), refusals);
      try (OutputStream out = fs.create(new Path(stage, METADATA), true)) {
        JSON.writeValue(out, publication);
      }
      Path target = new Path(root, publication.name());
      if (fs.exists(target)) {
        throw new IOException("version " + target + " appeared while the lock was held; is another publisher"
            + " ignoring " + LOCK + "?");
      }
      if (!fs.rename(stage, target)) {
        throw new IOException("cannot rename " + stage + " to " + target);
      }
      if (publication.promoted()) {
        pointTo(publication.name());
      }
      return new Published(publication, target.toString());
    }
  }

  /**
   * Why {@code candidate} cannot be compared with {@code latest}: another validation set or
   * metric; empty when it can.
   */
  public static Optional<String> incomparable(Publication latest, Candidate candidate) {
    if (!Objects.equals(latest.validation(), candidate.validation())
        || !Objects.equals(latest.metric(), candidate.metric())) {
      return Optional.of("cannot compare with latest " + latest.name() + ": it was measured with "
          + latest.metric() + " on validation '" + latest.validation() + "', this run with " + candidate.metric()
          + " on validation '" + candidate.validation() + "'");
    }
    return Optional.empty();
  }

  private Optional<String> latestName() throws IOException {
    Path pointer = new Path(root, LATEST);
    if (!fs.exists(pointer)) {
      return Optional.empty();
    }
    String name;
    try (InputStream in = fs.open(pointer)) {
      name = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
    if (!VERSION.matcher(name).matches()) {
      throw new IOException(pointer + " must hold a version name like v3; found '" + name + "'");
    }
    return Optional.of(name);
  }

  private Publication read(Path metadata) throws IOException {
    try (InputStream in = fs.open(metadata)) {
      Publication publication = JSON.readValue(in, Publication.class);
      if (publication.formatVersion() < 1 || publication.formatVersion() > FORMAT_VERSION) {
        throw new IOException(metadata + " has format version " + publication.formatVersion()
            + ", which this Magnet cannot read (it reads 1.." + FORMAT_VERSION + ")");
      }
      return publication;
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException("publication record missing: " + metadata);
    } catch (JsonProcessingException e) {
      throw new IOException(metadata + " is not a valid publication record: " + e.getOriginalMessage(), e);
    }
  }

  /** Replaces {@code LATEST} atomically: a temporary file renamed over it. */
  private void pointTo(String name) throws IOException {
    Path pointer = new Path(root, LATEST);
    Path temporary = new Path(root, "." + LATEST + ".tmp-" + UUID.randomUUID());
    byte[] content = (name + "\n").getBytes(StandardCharsets.UTF_8);
    java.nio.file.Path local = localFile(temporary);
    if (local != null) {
      Files.write(local, content, StandardOpenOption.CREATE_NEW);
      Files.move(local, localFile(pointer), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    try (OutputStream out = fs.create(temporary, false)) {
      out.write(content);
    }
    try {
      FileContext.getFileContext(fs.getUri(), conf).rename(temporary, pointer, Options.Rename.OVERWRITE);
    } finally {
      if (fs.exists(temporary)) {
        fs.delete(temporary, false);
      }
    }
  }

  /** The lock file's content. */
  record LockInfo(String owner, String runId, long acquiredAtMillis) {}

  /** A held lock; closing releases it. */
  private final class Lock implements AutoCloseable {
    private final Path file;
    private final LockInfo mine;

    Lock(Path file, LockInfo mine) {
      this.file = file;
      this.mine = mine;
    }

    /** Deletes the lock file if it is still this run's (another run may have taken it over as stale). */
    @Override
    public void close() throws IOException {
      Optional<Held> held = held(file);
      if (held.isPresent() && mine.equals(held.get().info())) {
        fs.delete(file, false);
      } else {
        messages.accept("the publish lock " + file + " was taken over by another run while this one held it");
      }
    }
  }

  /**
   * Takes the lock, waiting while another live run holds it and taking over a stale one (older than
   * {@code staleAfter}, or held by this same run id).
   */
  private Lock lock(String runId) throws IOException {
    fs.mkdirs(root);
    Path file = new Path(root, LOCK);
    LockInfo mine = new LockInfo(owner(), runId, now().toEpochMilli());
    byte[] content = JSON.writeValueAsBytes(mine);
    while (true) {
      if (createExclusive(file, content)) {
        return new Lock(file, mine);
      }
      Optional<Held> held = held(file);
      if (held.isEmpty()) {
        continue; // released between our create and our read
      }
      Held h = held.get();
      boolean sameRun = h.info() != null && runId.equals(h.info().runId());
      Duration age = Duration.between(Instant.ofEpochMilli(h.sinceMillis()), now());
      if (sameRun || age.compareTo(staleAfter) > 0) {
        Path aside = new Path(root, LOCK + ".stale-" + UUID.randomUUID());
        if (rename(file, aside)) {
          messages.accept("recovered a stale publish lock in " + root + " held by "
              + (h.info() == null ? "an unknown owner (unreadable lock file)"
                  : "run " + h.info().runId() + " (" + h.info().owner() + ")")
              + " since " + Instant.ofEpochMilli(h.sinceMillis()) + ": "
              + (sameRun ? "an earlier attempt of this run id" : "older than " + staleAfter));
          fs.delete(aside, false);
        }
        continue;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted waiting for the publish lock " + file);
      }
    }
  }

  /** Who holds a lock (null when its file is unreadable or half-written) and since when. */
  private record Held(LockInfo info, long sinceMillis) {}

  private Optional<Held> held(Path file) throws IOException {
    FileStatus status;
    byte[] bytes;
    try {
      status = fs.getFileStatus(file);
      try (InputStream in = fs.open(file)) {
        bytes = in.readAllBytes();
      }
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
    try {
      LockInfo info = JSON.readValue(bytes, LockInfo.class);
      return Optional.of(new Held(info, info.acquiredAtMillis()));
    } catch (IOException e) {
      // Half-written (its owner died between create and write) or foreign: judge by its age.
      return Optional.of(new Held(null, status.getModificationTime()));
    }
  }

  /** Creates {@code file} with {@code content} if it does not exist, atomically; false when it exists. */
  private boolean createExclusive(Path file, byte[] content) throws IOException {
    java.nio.file.Path local = localFile(file);
    if (local != null) {
      try {
        Files.write(local, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (org.apache.hadoop.ipc.RemoteException e) {
      // HDFS: the lock exists, or another create of it is still open (its lease is held: a
      // racing publisher between create and close; found by HdfsPublishTest's race).
      String cause = e.getClassName();
      if (cause.endsWith(".FileAlreadyExistsException") || cause.endsWith(".AlreadyBeingCreatedException")) {
        return false;
      }
      throw e;
    } catch (IOException e) {
      // HDFS reports a create race as a RemoteException wrapping FileAlreadyExistsException.
      if (String.valueOf(e.getMessage()).contains("already exists")) {
        return false;
      }
      throw e;
    }
  }

  /** Renames a file; false when the source is gone (another run took it). Atomic on local and HDFS. */
  private boolean rename(Path from, Path to) throws IOException {
    java.nio.file.Path local = localFile(from);
    if (local != null) {
      try {
        Files.move(local, localFile(to), StandardCopyOption.ATOMIC_MOVE);
        return true;
      } catch (java.nio.file.NoSuchFileException e) {
        return false;
      }
    }
    return fs.rename(from, to);
  }

  /** The java.nio path of a local file, or null on other file systems. */
  private java.nio.file.Path localFile(Path path) {
    if (fs instanceof LocalFileSystem local) {
      return local.pathToFile(path).toPath();
    }
    if (fs instanceof RawLocalFileSystem raw) {
      return raw.pathToFile(path).toPath();
    }
    return null;
  }

  private Instant now() {
    return clock.instant();
  }

  private static String owner() {
    return ManagementFactory.getRuntimeMXBean().getName() + " thread " + Thread.currentThread().getName();
  }
}
