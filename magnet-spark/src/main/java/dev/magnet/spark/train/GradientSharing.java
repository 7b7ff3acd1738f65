package dev.magnet.spark.train;

import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds DL4J's {@link SharedTrainingMaster} for {@link TrainingMasterKind#SHARING} (docs/scaling.md,
 * "Two distributed modes"): the driver is the Aeron controller and a silent worker that applies
 * every update it hears, so its network is current after each fit, as with averaging; the
 * executors keep their network replica between fits (one per executor JVM, DL4J's
 * {@code SharedTrainingWrapper}).
 *
 * <p>The network: the driver listens on {@code spark.driver.host} at a free UDP port; each executor
 * on a free UDP port of its own, at the address in {@value #NETWORK_MASK_CONF} (a CIDR such as
 * {@code 10.0.0.0/16} that its addresses match), else {@code DL4J_VOID_IP} in its environment,
 * else 127.0.0.1, which is right only when every executor runs on the driver's host (local mode,
 * one-host clusters). DL4J's own default is one fixed port, 49876, for the driver and every
 * executor: two executors on one host then fail to bind it (its {@code StaticPortSupplier} also
 * ignores the port it is given), hence {@link FreePort}.
 *
 * <p>Each of these JVMs runs an Aeron media driver with files in shared memory; {@link AeronFiles}
 * sizes them and has them deleted when the driver closes, and {@link #release} closes the driver
 * JVM's at the end of the run.
 */
final class GradientSharing {
  private static final Logger LOG = LoggerFactory.getLogger(GradientSharing.class);

  /** Training threads in each executor JVM: one (see {@link #master}). */
  static final int WORKERS_PER_NODE = 1;

  /** Spark configuration key of the executors' network, a CIDR mask; optional. */
  static final String NETWORK_MASK_CONF = "spark.magnet.sharing.networkMask";

  private GradientSharing() {}

  /**
   * The master for batches of {@code rowsPerBatch} rows, each a {@code DataSet} of the RDD, as
   * averaging fits them: no repartitioning, no prefetch, persisted at the same level.
   *
   * <p>One training thread per executor JVM ({@link #WORKERS_PER_NODE}); the executor's other
   * tasks feed that thread their batches. With more, DL4J 1.0.0-M2's {@code ParallelWrapper}
   * deadlocks on its first fit: training thread 0 holds the network's monitor inside
   * {@code MultiLayerNetwork.fit} while it waits in {@code EncodedGradientsAccumulator.synchronize}
   * for thread 1, which waits for that monitor in {@code MultiLayerNetwork.getUpdater} (seen in
   * local[2], a thread dump of the test). So the workers W of this mode are the executors: for W
   * workers on a cluster, run W executors (of one core each, or more cores for the rest of the job).
   */
  static SharedTrainingMaster master(JavaSparkContext spark, int rowsPerBatch, long seed) {
    SparkConf conf = spark.getConf();
    VoidConfiguration network = VoidConfiguration.builder()
        .controllerAddress(controllerAddress(conf.get("spark.driver.host", "127.0.0.1")))
        .networkMask(networkMask(conf.get(NETWORK_MASK_CONF, null)))
        .build();
    network.setPortSupplier(new FreePort(spark.sc().applicationId(),
        AeronFiles.termBufferLength(network.getMaxChunkSize())));
    return new SharedTrainingMaster.Builder(network, rowsPerBatch)
        .batchSizePerWorker(rowsPerBatch)
        .workersPerNode(WORKERS_PER_NODE)
        .workerPrefetchNumBatches(0)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .repartitioner(new NoOpRepartitioner())
        .storageLevel(StorageLevel.MEMORY_AND_DISK())
        .rngSeed(seed)
        .build();
  }

  /**
   * Ends this JVM's part in the application's sharing mesh once its training run is over, whether
   * it completed or failed: shuts down DL4J's parameter server and with it the Aeron media driver
   * of the driver JVM, which deletes its directory ({@link AeronFiles}), then removes what the
   * application's JVMs that were killed left on this host. The executors' media drivers close with
   * their JVMs (DL4J's shutdown hook). The next sharing run starts a new server, as DL4J does for
   * any new master.
   */
  static void release(String applicationId) {
    ModelParameterServer server = ModelParameterServer.getInstance();
    // Called from a finally: a failure to clean up is logged, never thrown over the run's outcome.
    try {
      if (server.isInitialized()) {
        server.shutdown();
      }
    } catch (RuntimeException e) {
      LOG.warn("could not shut down DL4J's parameter server after the sharing run: {}", e.toString());
    }
    try {
      AeronFiles.removeLeftovers(AeronFiles.stem(applicationId), true);
    } catch (RuntimeException e) {
      LOG.warn("could not remove Aeron's files after the sharing run: {}", e.toString());
    }
  }

  /**
   * A failed sharing fit as a training failure (exit 4) that says how to continue. The epoch's
   * updates were applied as they arrived, so the network is part-way through the split; what is
   * safe to continue from is the last checkpoint.
   */
  static JobException fitFailed(Exception e, int epoch, String checkpointDir) {
    String next = checkpointDir != null
        ? "continue from the last complete epoch with --resume --checkpoint-dir " + checkpointDir
        : "run with --checkpoint-dir to be able to continue with --resume";
    return new JobException(ExitCodes.TRAINING_FAILED, "gradient sharing failed in epoch " + epoch + ": "
        + JobException.describe(e) + "; " + next, e);
  }

  /** The executors' network as given, checked here rather than by DL4J on each executor; null for none. */
  static String networkMask(String mask) {
    if (mask != null && !mask.matches("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}")) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, NETWORK_MASK_CONF + " must be an IPv4 network in CIDR form such"
          + " as 10.0.0.0/16; " + NETWORK_MASK_CONF + "=" + mask);
    }
    return mask;
  }

  private static String controllerAddress(String driverHost) {
    try {
      return InetAddress.getByName(driverHost).getHostAddress();
    } catch (UnknownHostException e) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "--training-master sharing needs the driver's address;"
          + " spark.driver.host does not resolve: spark.driver.host=" + driverHost, e);
    }
  }

  /**
   * A free UDP port, chosen once per JVM that asks (the driver, each executor: the supplier travels
   * with the broadcast configuration, its choice does not).
   */
  static final class FreePort implements PortSupplier {
    private static final long serialVersionUID = 2L;
    private final String applicationId;
    private final int termBufferLength;
    private transient int port;

    /** For the application {@code applicationId}, whose Aeron terms are {@code termBufferLength} bytes. */
    FreePort(String applicationId, int termBufferLength) {
      this.applicationId = applicationId;
      this.termBufferLength = termBufferLength;
    }

    /**
     * Also readies this JVM's Aeron ({@link AeronFiles#prepare}) the first time: DL4J asks for the
     * port in every JVM, the driver's (once per master) and each executor's, just before it starts
     * Aeron there, and calls nothing of Magnet's at that point otherwise.
     */
    @Override
    public synchronized int getPort() {
      if (port == 0) {
        AeronFiles.prepare(applicationId, termBufferLength);
        try (DatagramSocket socket = new DatagramSocket(0)) {
          port = socket.getLocalPort();
        } catch (IOException e) {
          throw new UncheckedIOException("no free UDP port for gradient sharing", e);
        }
      }
      return port;
    }
  }
}
