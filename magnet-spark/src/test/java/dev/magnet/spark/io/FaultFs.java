package dev.magnet.spark.io;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSDataOutputStreamBuilder;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.apache.hadoop.util.functional.RemoteIterators;

/**
 * A Hadoop file system for fault-injection tests, registered under the scheme {@value #SCHEME}
 * ({@link #configure}): {@code fault://SCENARIO/abs/path} is the local file {@code /abs/path},
 * with the faults of {@code SCENARIO} ({@link Faults}):
 *
 * <ul>
 *   <li>rename done as a copy of each file and then a delete of each, as S3A does
 *       ({@code atomicRename = false}); otherwise renames are atomic and refuse an existing target,
 *       as on HDFS;
 *   <li>{@code create(path, overwrite=false)} that checks and then creates, as S3A does
 *       ({@code exclusiveCreate = false}); otherwise it is exclusive, as on HDFS;
 *   <li>a create-if-absent as S3 makes it, a PUT with {@code If-None-Match: *}
 *       ({@code conditionalCreate = true}): the path capability and {@code createFile()} option
 *       {@value AtomicMoves#CONDITIONAL_CREATE}, the file written whole at {@code close()} only if
 *       none exists, as one operation;
 *   <li>files that appear whole at their close or not at all, as objects PUT to S3
 *       ({@code wholeObjects = true}); otherwise a crash at a close leaves the file torn;
 *   <li>a latency before every operation;
 *   <li>a crash at the k-th mutating operation (create, the close of a written file, mkdirs,
 *       rename, each file a non-atomic rename copies or deletes, delete): that operation does not
 *       happen (a file being closed is left torn, cut to half), and every later operation of the
 *       scenario throws {@link Crash}, so no clean-up of the dying process runs, as after
 *       {@code kill -9};
 *   <li>an {@link IOException} from chosen mutating operations, or from opening chosen files, the
 *       process going on.
 * </ul>
 *
 * <p>Mutating operations are logged, so a test can say which one it crashed at. {@link Afs} makes
 * the scheme usable from {@code FileContext}, whose renames {@link PublishDirectory} uses.
 */
public final class FaultFs extends FilterFileSystem {
  public static final String SCHEME = "fault";
  /** The exit status of a JVM halted at its crash: 128 + SIGKILL, as after {@code kill -9}. */
  public static final int HALT_STATUS = 137;

  private static final Map<String, Faults> SCENARIOS = new ConcurrentHashMap<>();
  private static final AtomicInteger NEXT_SCENARIO = new AtomicInteger();

  private Faults faults;

  public FaultFs() {
    super(new Raw());
  }

  /** Registers the scheme in {@code conf} (uncached, so each scenario's settings apply) and returns it. */
  public static Configuration configure(Configuration conf) {
    return configure(conf, SCHEME);
  }

  /**
   * Serves {@code scheme} with this file system in {@code conf}: {@code s3a}, say, to see how code
   * that decides by scheme treats an object store.
   */
  public static Configuration configure(Configuration conf, String scheme) {
    conf.set("fs." + scheme + ".impl", FaultFs.class.getName());
    conf.setBoolean("fs." + scheme + ".impl.disable.cache", true);
    if (scheme.equals(SCHEME)) {
      conf.set("fs.AbstractFileSystem." + SCHEME + ".impl", Afs.class.getName());
    }
    return conf;
  }

  /** A fresh scenario: no faults until the test sets some. */
  public static Faults scenario() {
    Faults faults = new Faults("s" + NEXT_SCENARIO.incrementAndGet());
    SCENARIOS.put(faults.id, faults);
    return faults;
  }

  /** Thrown at the crash and at every operation after it: the process is dead. */
  public static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String message) {
      super(message);
    }
  }

  /** One scenario's faults, shared by every instance of the file system that serves it. */
  public static final class Faults {
    final String id;
    /** False: a rename copies each file, then deletes each, as S3A does. */
    public volatile boolean atomicRename = true;
    /** False: create(overwrite=false) checks, then creates. */
    public volatile boolean exclusiveCreate = true;
    /** True: createFile() takes {@value AtomicMoves#CONDITIONAL_CREATE}, as S3's conditional PUT. */
    public volatile boolean conditionalCreate;
    /** True: that conditional create overwrites an existing file, as an endpoint that ignores If-None-Match. */
    public volatile boolean conditionIgnored;
    /** True: a written file appears whole at its close or not at all (a crash there leaves the old one), as a PUT to S3. */
    public volatile boolean wholeObjects;
    /** Slept before every operation. */
    public volatile long latencyMillis;
    /** The mutating operation (0-based) at which the process dies; -1 for none. */
    public volatile int crashAt = -1;
    /** At the crash, halt the JVM ({@code Runtime.halt}, as {@code kill -9}) instead of throwing {@link Crash}. */
    public volatile boolean halt;
    /** Mutating operations, by description ("rename SRC DST", ...), that fail with an IOException. */
    public volatile Predicate<String> failWhen = op -> false;
    /** Files, by URI, whose open fails with an IOException (a disk or network error on read). */
    public volatile Predicate<String> failOpen = path -> false;
    /** Files, by name, whose next {@link #changedReads} opens fail as S3A's do when the object is replaced meanwhile. */
    public volatile String changedWhileRead;
    /** How many more opens of {@link #changedWhileRead} fail so. */
    public final AtomicInteger changedReads = new AtomicInteger();
    private final AtomicInteger mutations = new AtomicInteger();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean dead;

    private Faults(String id) {
      this.id = id;
    }

    /** The URI of a local path in this scenario. */
    public String uri(java.nio.file.Path local) {
      return SCHEME + "://" + id + local.toAbsolutePath();
    }

    /** The local path of a URI of this scenario. */
    public java.nio.file.Path local(String uri) {
      return java.nio.file.Path.of(URI.create(uri).getPath());
    }

    /** Mutating operations so far. */
    public int operations() {
      return mutations.get();
    }

    /** The mutating operations so far, numbered. */
    public List<String> log() {
      return List.copyOf(log);
    }

    /** A new process: alive, no crash set, the count from 0; the other faults stay. */
    public void restart() {
      dead = false;
      crashAt = -1;
      mutations.set(0);
      log.clear();
    }

    void check(String operation) {
      if (dead) {
        throw new Crash("the process crashed; it cannot " + operation);
      }
      sleep();
    }

    /** Counts a mutating operation; a {@link Crash} when the process dies at it. */
    void mutateOrCrash(String operation) throws IOException {
      if (!mutate(operation)) {
        throw new Crash(operation);
      }
    }

    /** Counts a mutating operation; false when the process dies at it. */
    boolean mutate(String operation) throws IOException {
      check(operation);
      int n = mutations.getAndIncrement();
      log.add(n + " " + operation);
      if (n == crashAt) {
        if (halt) {
          Runtime.getRuntime().halt(HALT_STATUS);
        }
        dead = true;
        return false;
      }
      if (failWhen.test(operation)) {
        throw new IOException("injected failure: " + operation);
      }
      return true;
    }

    private void sleep() {
      if (latencyMillis > 0) {
        try {
          Thread.sleep(latencyMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    faults = SCENARIOS.get(name.getAuthority());
    if (faults == null) {
      throw new IOException("no fault scenario " + name.getAuthority() + " (FaultFs.scenario() makes one)");
    }
    super.initialize(name, conf);
  }

  @Override
  public String getScheme() {
    return fs.getScheme();
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    String op = "create " + f + (overwrite ? "" : " exclusive");
    faults.mutateOrCrash(op);
    File file = local(f);
    OutputStream out;
    if (!overwrite && faults.exclusiveCreate) {
      Files.createDirectories(file.toPath().getParent());
      try {
        out = Files.newOutputStream(file.toPath(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        throw new org.apache.hadoop.fs.FileAlreadyExistsException(f + " already exists");
      }
    } else {
      if (!overwrite && file.exists()) {
        throw new org.apache.hadoop.fs.FileAlreadyExistsException(f + " already exists");
      }
      faults.sleep(); // the window between the check and the create
      if (faults.wholeObjects) {
        return new FSDataOutputStream(new Put(f, file.toPath()), statistics);
      }
      out = super.create(f, permission, true, bufferSize, replication, blockSize, progress);
    }
    return new FSDataOutputStream(new Written(out, f, file), statistics);
  }

  @Override
  public boolean hasPathCapability(Path path, String capability) throws IOException {
    if (capability.equals(AtomicMoves.CONDITIONAL_CREATE)) {
      return faults.conditionalCreate;
    }
    return super.hasPathCapability(path, capability);
  }

  @Override
  public FSDataOutputStreamBuilder<FSDataOutputStream, ?> createFile(Path path) {
    return new CreateBuilder(path);
  }

  /** {@code createFile()}: a plain create, or with {@value AtomicMoves#CONDITIONAL_CREATE} a create-if-absent at close. */
  private final class CreateBuilder extends FSDataOutputStreamBuilder<FSDataOutputStream, CreateBuilder> {
    CreateBuilder(Path path) {
      super(FaultFs.this, path);
    }

    @Override
    public CreateBuilder getThisBuilder() {
      return this;
    }

    @Override
    public FSDataOutputStream build() throws IOException {
      Set<String> mandatory = getMandatoryKeys();
      if (!mandatory.contains(AtomicMoves.CONDITIONAL_CREATE)) {
        rejectUnknownMandatoryKeys(Set.of(), "createFile " + getPath());
        return FaultFs.this.create(getPath(), getFlags().contains(CreateFlag.OVERWRITE));
      }
      if (!faults.conditionalCreate || mandatory.size() > 1) {
        throw new IllegalArgumentException("unsupported createFile options " + mandatory + " for " + getPath());
      }
      Path path = getPath();
      return new FSDataOutputStream(new ByteArrayOutputStream() {
        private boolean closed;

        @Override
        public void close() throws IOException {
          if (closed) {
            return;
          }
          closed = true;
          putIfAbsent(path, toByteArray());
        }
      }, statistics);
    }
  }

  /** S3's PUT with If-None-Match: *, one operation: the object appears whole, or the PUT is refused. */
  private void putIfAbsent(Path path, byte[] content) throws IOException {
    faults.mutateOrCrash("put-if-absent " + path);
    java.nio.file.Path target = local(path).toPath();
    Files.createDirectories(target.getParent());
    java.nio.file.Path whole = Files.createTempFile(target.getParent(), ".put-", ".tmp");
    try {
      Files.write(whole, content);
      if (faults.conditionIgnored) {
        Files.move(whole, target, StandardCopyOption.REPLACE_EXISTING);
        return;
      }
      Files.createLink(target, whole); // link(2) refuses an existing name
    } catch (FileAlreadyExistsException e) {
      throw new org.apache.hadoop.fs.FileAlreadyExistsException(path + " already exists");
    } finally {
      Files.deleteIfExists(whole);
    }
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, EnumSet<CreateFlag> flags,
      int bufferSize, short replication, long blockSize, Progressable progress) throws IOException {
    if (!local(f).getParentFile().isDirectory()) {
      faults.check("create " + f);
      throw new FileNotFoundException("parent of " + f + " does not exist");
    }
    return create(f, permission, flags.contains(CreateFlag.OVERWRITE), bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    faults.check("open " + f);
    if (faults.failOpen.test(f.toString())) {
      throw new IOException("injected read failure: " + f);
    }
    if (f.getName().equals(faults.changedWhileRead) && faults.changedReads.getAndDecrement() > 0) {
      throw new org.apache.hadoop.fs.s3a.RemoteFileChangedException(f.toString(), "open",
          "Change detection policy requires ETag. ETag was unavailable (injected)");
    }
    return super.open(f, bufferSize);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    faults.check("stat " + f);
    return super.getFileStatus(f);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    faults.check("list " + f);
    return super.listStatus(f);
  }

  /** The files under {@code f}, walked by {@link #listStatus} (the local file system's own walk cannot read this scheme). */
  @Override
  public RemoteIterator<LocatedFileStatus> listFiles(Path f, boolean recursive) throws IOException {
    List<LocatedFileStatus> files = new ArrayList<>();
    List<Path> directories = new ArrayList<>(List.of(f));
    while (!directories.isEmpty()) {
      for (FileStatus status : listStatus(directories.remove(directories.size() - 1))) {
        if (status.isDirectory()) {
          if (recursive) {
            directories.add(status.getPath());
          }
        } else {
          files.add(new LocatedFileStatus(status.getLen(), false, 1, status.getBlockSize(),
              status.getModificationTime(), 0, FsPermission.getFileDefault(), "", "", null, status.getPath(), null));
        }
      }
    }
    return RemoteIterators.remoteIteratorFromIterable(files);
  }

  @Override
  public boolean mkdirs(Path f) throws IOException {
    return mkdirs(f, FsPermission.getDirDefault());
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    String op = "mkdirs " + f;
    faults.mutateOrCrash(op);
    return super.mkdirs(f, permission);
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    if (!faults.atomicRename && recursive && local(f).isDirectory()) {
      faults.check("delete " + f);
      deleteEach(local(f).toPath());
      return true;
    }
    String op = "delete " + f;
    faults.mutateOrCrash(op);
    return super.delete(f, recursive);
  }

  /** HDFS's rename: false when the target exists (this project never renames into a directory). */
  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    String op = "rename " + src + " " + dst;
    File from = local(src);
    File to = local(dst);
    if (!faults.atomicRename) {
      faults.check(op);
      if (!from.exists() || to.exists()) {
        return false;
      }
      copyThenDelete(from.toPath(), to.toPath());
      return true;
    }
    faults.mutateOrCrash(op);
    if (!from.exists() || to.exists()) {
      return false;
    }
    Files.move(from.toPath(), to.toPath(), StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  /** FileContext's rename: without {@code overwrite} an existing target is refused, atomically unless renames are copies. */
  void rename(Path src, Path dst, boolean overwrite) throws IOException {
    String op = "rename " + src + " " + dst + (overwrite ? " overwrite" : "");
    java.nio.file.Path from = local(src).toPath();
    java.nio.file.Path to = local(dst).toPath();
    if (!Files.exists(from)) {
      faults.check(op);
      throw new FileNotFoundException("rename source " + src + " not found");
    }
    if (!faults.atomicRename) {
      faults.check(op);
      if (Files.exists(to)) {
        if (!overwrite) {
          throw new org.apache.hadoop.fs.FileAlreadyExistsException(dst + " already exists");
        }
        deleteEach(to);
      }
      copyThenDelete(from, to);
      return;
    }
    faults.mutateOrCrash(op);
    try {
      if (overwrite) {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else if (Files.isDirectory(from)) {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE); // rename(2) refuses a non-empty directory
      } else {
        Files.createLink(to, from); // link(2) refuses an existing name
        Files.delete(from);
      }
    } catch (java.nio.file.FileSystemException e) {
      if (Files.exists(to)) { // ENOTEMPTY arrives as a plain FileSystemException
        throw new org.apache.hadoop.fs.FileAlreadyExistsException(dst + " already exists");
      }
      throw e;
    }
  }

  /** A rename as S3A does it: each file copied (one operation each), then each source deleted. */
  private void copyThenDelete(java.nio.file.Path from, java.nio.file.Path to) throws IOException {
    List<java.nio.file.Path> files = walk(from);
    for (java.nio.file.Path source : files) {
      java.nio.file.Path target = to.resolve(from.relativize(source).toString());
      String op = "copy " + source + " " + target;
      faults.mutateOrCrash(op);
      if (Files.isDirectory(source)) {
        Files.createDirectories(target);
      } else {
        Files.createDirectories(target.getParent());
        Files.copy(source, target);
      }
    }
    deleteEach(from);
  }

  /** A recursive delete as an object store does it: one operation per file. */
  private void deleteEach(java.nio.file.Path root) throws IOException {
    List<java.nio.file.Path> files = walk(root);
    Collections.reverse(files);
    for (java.nio.file.Path file : files) {
      String op = "delete " + file;
      faults.mutateOrCrash(op);
      Files.delete(file);
    }
  }

  private static List<java.nio.file.Path> walk(java.nio.file.Path root) throws IOException {
    try (Stream<java.nio.file.Path> paths = Files.walk(root)) {
      return new ArrayList<>(paths.sorted(Comparator.comparing(java.nio.file.Path::toString)).toList());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private File local(Path path) {
    return ((RawLocalFileSystem) fs).pathToFile(path);
  }

  /** A file written as an object PUT: buffered, and put in place whole at its close (a mutating operation). */
  private final class Put extends ByteArrayOutputStream {
    private final Path path;
    private final java.nio.file.Path file;
    private boolean closed;

    Put(Path path, java.nio.file.Path file) {
      this.path = path;
      this.file = file;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      faults.mutateOrCrash("close " + path);
      Files.createDirectories(file.getParent());
      java.nio.file.Path whole = Files.createTempFile(file.getParent(), ".put-", ".tmp");
      Files.write(whole, toByteArray());
      Files.move(whole, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** An output stream whose close is a mutating operation, and that fails once the process is dead. */
  private final class Written extends FilterOutputStream {
    private final Path path;
    private final File file;
    private boolean closed;

    Written(OutputStream out, Path path, File file) {
      super(out);
      this.path = path;
      this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
      faults.check("write " + path);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      faults.check("write " + path);
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      String op = "close " + path;
      if (!faults.mutate(op)) {
        out.close();
        try (RandomAccessFile torn = new RandomAccessFile(file, "rw")) {
          torn.setLength(torn.length() / 2);
        }
        throw new Crash(op);
      }
      out.close();
    }
  }

  /** The local file system answering to {@code fault://SCENARIO/}. */
  private static final class Raw extends RawLocalFileSystem {
    private URI uri;

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
      uri = URI.create(name.getScheme() + "://" + name.getAuthority() + "/");
      super.initialize(name, conf);
      setWorkingDirectory(new Path(uri.resolve(new File(System.getProperty("user.dir")).toURI().getRawPath())));
    }

    /** file:/// until initialised: the constructor asks for it before {@link #initialize}. */
    @Override
    public URI getUri() {
      return uri == null ? super.getUri() : uri;
    }

    @Override
    public String getScheme() {
      return getUri().getScheme();
    }
  }

  /** The scheme for {@code FileContext}: its renames go to {@link FaultFs#rename(Path, Path, boolean)}. */
  public static final class Afs extends DelegateToFileSystem {
    public Afs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new FaultFs(), conf, SCHEME, false);
    }

    @Override
    public void renameInternal(Path src, Path dst) throws IOException {
      ((FaultFs) fsImpl).rename(src, dst, false);
    }

    @Override
    public void renameInternal(Path src, Path dst, boolean overwrite) throws IOException {
      ((FaultFs) fsImpl).rename(src, dst, overwrite);
    }
  }
}
