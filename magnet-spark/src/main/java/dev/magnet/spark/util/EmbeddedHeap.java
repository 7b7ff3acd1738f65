package dev.magnet.spark.util;

import dev.magnet.core.data.FashionMnist;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.DataSource;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The Java heap of the embedded mode's JVM ({@code ./spark-submit} without {@code SPARK_HOME}),
 * sized from the data a {@code train} reads instead of one fixed size: {@link #BASE_MIB} for
 * Spark, DL4J and the network, plus {@link #BYTES_PER_FEATURE} bytes per input value and
 * {@link #BYTES_PER_EXAMPLE} per example of the training and validation sets, within
 * [{@link #FLOOR_MIB}, {@link #CEILING_MIB}]. The launcher asks for it only when the user gave no
 * heap ({@code MAGNET_JAVA_OPTS}, {@code --driver-memory}, {@code -Xmx} in
 * {@code --driver-java-options}).
 *
 * <p>Why it matters: ND4J frees an array's native memory only when the garbage collector collects
 * its Java object, and a heap far larger than the live data collects rarely, so the native garbage
 * and the heap's own garbage both grow with the heap's limit (docs/benchmarks.md, "Where the
 * memory goes" and "Native arrays freed when done with, and a heap that follows the data").
 *
 * <p>What the heap holds per example, measured on Fashion-MNIST: the cached examples twice
 * (by partition and by id, about 1.7 kB for 784 bytes of pixels), the validation's collected
 * embeddings, and the k-NN's distance blocks (two {@code double} rows of the training set per
 * test row of a block, about 2 kB per training example). {@link #BYTES_PER_FEATURE} and
 * {@link #BYTES_PER_EXAMPLE} give these about twice over.
 *
 * <p>Every other command, and a {@code train} whose data's size cannot be told here (Parquet
 * tables, image folders, files on HDFS or an object store), gets {@link #CEILING_MIB}, the fixed
 * heap all commands had before: a large {@code embed} or {@code evaluate} is never given less.
 *
 * <p>A heap sized below the ceiling also gets {@link #FOOTPRINT_COLLECTOR}: the serial collector,
 * starting at 64 MiB and giving back what a collection frees beyond 30%. The JVM's default on a
 * machine of two cores or more, G1, starts at 1/64 of the machine's memory (384 MiB on 24 GiB),
 * commits up to the limit under the validation's 61 MB distance blocks and seldom gives it back;
 * the serial collector commits what is live. Measured on the full Fashion-MNIST run with
 * validation, same seed, alternating on a quiet machine: peak RSS 2,157 and 2,428 MiB with G1,
 * 1,419 and 1,746 MiB with these options, the same metrics to the last digit and the same
 * speed (docs/benchmarks.md, "The serial collector and the distance kernel"). The
 * ceiling's jobs (a 100k-file {@code embed}, a 1M-row {@code evaluate}) keep the JVM's default.
 */
public final class EmbeddedHeap {
  /** Spark, DL4J, the network's broadcast pieces, Spark's status store: the 20k epoch used 150–460 MiB at its peak. */
  static final long BASE_MIB = 512;
  /** No less, whatever the data: room for Spark's storage of small data sets and the JIT's warm-up garbage. */
  static final long FLOOR_MIB = 768;
  /** The fixed heap of the embedded mode before; data this large, or of unknown size, gets it. */
  static final long CEILING_MIB = 3072;
  /** Per input value of an example (a pixel): its cached copies and decoded batches. */
  static final long BYTES_PER_FEATURE = 10;
  /** Per example: object headers, ids, labels, embeddings and the k-NN's distance rows. */
  static final long BYTES_PER_EXAMPLE = 2048;

  /**
   * The collector of a heap sized from the data: serial, a 64 MiB start, and at most 30% of the
   * heap left free after a collection (at least 10%).
   */
  public static final List<String> FOOTPRINT_COLLECTOR = List.of("-XX:+UseSerialGC", "-Xms64m",
      "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30");

  /** A JVM option that chooses a garbage collector. */
  private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use[A-Za-z0-9]*GC");

  /** The system property the launcher sets where it chose the heap by this rule. */
  public static final String AUTO = "-Dmagnet.heap=auto";
  private static final int IDX_IMAGES_MAGIC = 0x00000803;

  private EmbeddedHeap() {}

  /** A data set's size as the heap rule needs it. */
  record Size(long examples, long features) {
    /** The heap it needs; {@link Long#MAX_VALUE} where that overflows (the ceiling then applies). */
    long bytes() {
      try {
        return Math.multiplyExact(examples, Math.addExact(Math.multiplyExact(features, BYTES_PER_FEATURE),
            BYTES_PER_EXAMPLE));
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE;
      }
    }
  }

  /**
   * The heap in MiB for {@code command} with its arguments (the command's own, as the launcher
   * passes them to Magnet).
   */
  public static long mebibytes(String command, List<String> args) {
    if (!command.equals("train")) {
      return CEILING_MIB;
    }
    String data = value(args, "--data");
    String validation = value(args, "--validation");
    String limitText = value(args, "--limit");
    long limit;
    try {
      limit = limitText == null ? Long.MAX_VALUE : Long.parseLong(limitText);
    } catch (NumberFormatException e) {
      return CEILING_MIB; // the job itself reports the bad value
    }
    OptionalLong bytes = bytes(data, limit);
    if (bytes.isEmpty()) {
      return CEILING_MIB;
    }
    long total = bytes.getAsLong();
    if (validation != null) {
      OptionalLong more = bytes(validation, limit);
      if (more.isEmpty()) {
        return CEILING_MIB;
      }
      total = total > Long.MAX_VALUE - more.getAsLong() ? Long.MAX_VALUE : total + more.getAsLong();
    }
    long mib = BASE_MIB + total / (1 << 20) + (total % (1 << 20) == 0 ? 0 : 1);
    return Math.max(FLOOR_MIB, Math.min(CEILING_MIB, mib));
  }

  /**
   * The JVM options for {@code command} with its arguments: {@code -Xmx} by {@link #mebibytes},
   * and {@link #FOOTPRINT_COLLECTOR} where that is below the ceiling (the heap was sized from the
   * data) and the JVM's other options ({@code jvm}) name no collector: one the user chose stays
   * theirs, and the JVM refuses two.
   */
  public static List<String> options(String command, List<String> args, List<String> jvm) {
    long mib = mebibytes(command, args);
    List<String> options = new ArrayList<>();
    options.add(String.format(Locale.ROOT, "-Xmx%dm", mib));
    if (mib < CEILING_MIB && jvm.stream().noneMatch(EmbeddedHeap::namesCollector)) {
      options.addAll(FOOTPRINT_COLLECTOR);
    }
    return options;
  }

  /** Whether a JVM option chooses a garbage collector ({@code -XX:+UseG1GC}, {@code -XX:+UseParallelGC}, ...). */
  static boolean namesCollector(String option) {
    return COLLECTOR.matcher(option).matches();
  }

  /**
   * A bench child's JVM command ({@code jvm}, ending in its main class) for the Magnet
   * {@code command} line (the command's name first): where the bench's own heap was chosen by
   * this rule ({@link #AUTO}, which the launcher sets), the child's heap options are the rule's
   * for the child's own data ({@link #options}, in place of the bench's); a heap the user chose is
   * left as it is, and so is a collector.
   */
  public static List<String> forChild(List<String> jvm, List<String> command) {
    if (!jvm.contains(AUTO) || command.isEmpty()) {
      return jvm;
    }
    List<String> others = jvm.stream().filter(option -> !option.startsWith("-Xmx")
        && !FOOTPRINT_COLLECTOR.contains(option)).toList();
    List<String> heap = options(command.get(0), command.subList(1, command.size()), others);
    List<String> out = new ArrayList<>(jvm.size() + heap.size());
    for (String option : jvm) {
      if (option.startsWith("-Xmx")) {
        out.addAll(heap);
      } else if (!FOOTPRINT_COLLECTOR.contains(option)) {
        out.add(option);
      }
    }
    return out;
  }

  /**
   * Prints the JVM options for the arguments ({@link #options}), separated by spaces; used by
   * {@code ./spark-submit}, which gives the JVM options it will start the job with in the system
   * property {@code magnet.jvmOptions} (separated by spaces).
   */
  public static void main(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: EmbeddedHeap <command> [command arguments]");
    }
    String given = System.getProperty("magnet.jvmOptions", "").strip();
    List<String> jvm = given.isEmpty() ? List.of() : List.of(given.split("\\s+"));
    System.out.println(String.join(" ", options(args[0], List.of(args).subList(1, args.length), jvm)));
  }

  private static OptionalLong bytes(String source, long limit) {
    if (source == null) {
      return OptionalLong.empty();
    }
    Size size = size(source);
    if (size == null) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(new Size(Math.min(size.examples(), limit), size.features()).bytes());
  }

  /**
   * The examples and features of a data source as the CLI spells it ({@link DataSource#parse}, so
   * the rule reads the same settings and defaults as the job), or null where not told from here.
   */
  static Size size(String source) {
    DataSource data;
    try {
      data = DataSource.parse(source);
    } catch (IllegalArgumentException e) {
      return null; // the job reports the bad value
    }
    return switch (data.kind()) {
      case FASHION_MNIST -> new Size(FashionMnist.TRAIN_SIZE, InputShape.FASHION_MNIST.size());
      case FASHION_MNIST_TEST -> new Size(FashionMnist.TEST_SIZE, InputShape.FASHION_MNIST.size());
      case SYNTHETIC -> new Size(product(data.synthetic("classes"), data.synthetic("sub"), data.synthetic("per")),
          data.settings().containsKey("dim") ? data.settings().get("dim") : product(data.synthetic("size"),
              data.synthetic("size")));
      case IDX -> idx(data.paths().get(0));
      default -> null;
    };
  }

  /** The product, {@link Long#MAX_VALUE} where it overflows (the ceiling then applies). */
  private static long product(long... factors) {
    long p = 1;
    try {
      for (long f : factors) {
        p = Math.multiplyExact(p, f);
      }
      return p;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** An IDX image file's count and pixels per image, from its header, when it is a local file. */
  private static Size idx(String images) {
    String local = images.startsWith("file:") ? images.substring(5) : images;
    if (local.contains("://") || local.matches("^[a-z0-9]+:.*")) {
      return null; // HDFS, S3 and the like: not read from the launcher
    }
    Path path = Path.of(local);
    if (!Files.isRegularFile(path)) {
      return null;
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(path))) {
      raw.mark(2);
      boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw) : raw);
      if (in.readInt() != IDX_IMAGES_MAGIC) {
        return null;
      }
      long n = in.readInt();
      long rows = in.readInt();
      long cols = in.readInt();
      return n >= 0 && rows > 0 && cols > 0 ? new Size(n, rows * cols) : null;
    } catch (IOException e) {
      return null; // the job reports an unreadable file
    }
  }

  /** The value after the last {@code name} (or of {@code name=value}), or null. */
  private static String value(List<String> args, String name) {
    String found = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals(name) && i + 1 < args.size()) {
        found = args.get(++i);
      } else if (a.startsWith(name + "=")) {
        found = a.substring(name.length() + 1);
      }
    }
    return found;
  }
}
