package dev.magnet.core.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.MagnetParams;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained Magnet model: the network, the cluster index with its σ², the label names, the
 * parameters and network spec that produced it, and its provenance.
 *
 * <p>On disk it is a directory: {@code metadata.json} (artifact class, format version, Magnet
 * version, label names, σ², parameters, network spec, provenance), {@code network.zip} (DL4J's
 * ModelSerializer, with the updater state so training can continue) and {@code index.bin}
 * ({@link IndexCodec}). Loading checks the class, the format version and that the network,
 * index and label names agree in shape.
 */
public final class ModelArtifact {
  /** Bumped on every incompatible change of the directory layout; readers refuse newer ones. */
  public static final int FORMAT_VERSION = 1;

  static final String METADATA = "metadata.json";
  static final String NETWORK = "network.zip";
  static final String INDEX = "index.bin";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final MultiLayerNetwork network;
  private final ClusterIndex index;
  private final List<String> labelNames;
  private final MagnetParams params;
  private final NetworkSpec networkSpec;
  private final Provenance provenance;

  public ModelArtifact(MultiLayerNetwork network, ClusterIndex index, List<String> labelNames,
      MagnetParams params, NetworkSpec networkSpec, Provenance provenance) {
    this.network = Objects.requireNonNull(network, "network");
    this.index = Objects.requireNonNull(index, "index");
    this.labelNames = List.copyOf(labelNames);
    this.params = Objects.requireNonNull(params, "params");
    this.networkSpec = Objects.requireNonNull(networkSpec, "networkSpec");
    this.provenance = Objects.requireNonNull(provenance, "provenance");
    if (this.labelNames.size() != index.numClasses()) {
      throw new IllegalArgumentException("label names and index classes differ: "
          + this.labelNames.size() + "!=" + index.numClasses());
    }
    long embeddingDim = network.getLayer(NetworkFactory.embeddingLayerIndex(network)).getParam("W").size(1);
    ClusterIndex.checkDimension(index.dimension(), (int) embeddingDim);
  }

  public MultiLayerNetwork network() {
    return network;
  }

  public ClusterIndex index() {
    return index;
  }

  public List<String> labelNames() {
    return labelNames;
  }

  public MagnetParams params() {
    return params;
  }

  public NetworkSpec networkSpec() {
    return networkSpec;
  }

  public Provenance provenance() {
    return provenance;
  }

  /** Embeddings of the given examples, in inference mode. */
  public INDArray embed(INDArray features) {
    return NetworkFactory.embed(network, features, NetworkFactory.DEFAULT_EMBED_BATCH);
  }

  /**
   * The softmax baseline's own prediction for each example: the argmax of its output layer's class
   * probabilities, in inference mode.
   *
   * @throws IllegalArgumentException if the model was not trained with the softmax loss
   */
  public int[] predictClasses(INDArray features) {
    if (!Objective.of(params).predictsClasses()) {
      throw new IllegalArgumentException("class predictions need a softmax model (the other losses output"
          + " embeddings only); loss=" + params.loss());
    }
    return NetworkFactory.predictClasses(network, features, NetworkFactory.DEFAULT_EMBED_BATCH);
  }

  /** Writes the model to a local directory atomically; see {@link LocalModelDirectory#write}. */
  public void save(Path directory, boolean overwrite) throws IOException {
    LocalModelDirectory.write(directory, overwrite, this::writeTo);
  }

  /** Reads a model from a local directory. */
  public static ModelArtifact load(Path directory) throws IOException {
    return readFrom(LocalModelDirectory.reader(directory));
  }

  /** Writes the three files into a store (which decides about atomicity). */
  public void writeTo(ArtifactStore store) throws IOException {
    ObjectNode metadata = JSON.createObjectNode();
    metadata.put("class", ModelArtifact.class.getName());
    metadata.put("formatVersion", FORMAT_VERSION);
    metadata.put("magnetVersion", MagnetVersion.get());
    metadata.set("labelNames", JSON.valueToTree(labelNames));
    metadata.put("sigma2", index.sigma2());
    metadata.set("params", JSON.valueToTree(params));
    metadata.set("network", JSON.valueToTree(networkSpec));
    metadata.set("provenance", JSON.valueToTree(provenance));
    try (OutputStream out = store.create(METADATA)) {
      JSON.writeValue(out, metadata);
    }
    try (OutputStream out = store.create(NETWORK)) {
      ModelSerializer.writeModel(network, out, true);
    }
    try (OutputStream out = store.create(INDEX)) {
      IndexCodec.write(index, out);
    }
  }

  /** Reads and checks a model from a store. */
  public static ModelArtifact readFrom(ArtifactStore store) throws IOException {
    String where = store.location();
    JsonNode metadata;
    try (InputStream in = store.open(METADATA)) {
      metadata = JSON.readTree(in);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(where + "/" + METADATA + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    String kind = metadata.path("class").asText("");
    if (!ModelArtifact.class.getName().equals(kind)) {
      throw new IOException(where + " is not a Magnet model directory; class=" + kind);
    }
    int version = metadata.path("formatVersion").asInt(-1);
    if (version > FORMAT_VERSION || version < 1) {
      throw new IOException(where + " has model format version " + version + ", which this Magnet "
          + MagnetVersion.get() + " cannot read (it reads 1.." + FORMAT_VERSION + "); upgrade Magnet");
    }
    List<String> labelNames;
    MagnetParams params;
    NetworkSpec spec;
    Provenance provenance;
    try {
      labelNames = List.of(JSON.treeToValue(metadata.path("labelNames"), String[].class));
      params = JSON.treeToValue(metadata.path("params"), MagnetParams.class);
      spec = JSON.treeToValue(metadata.path("network"), NetworkSpec.class);
      provenance = JSON.treeToValue(metadata.path("provenance"), Provenance.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(where + "/" + METADATA + " is incomplete or invalid: " + e.getOriginalMessage(), e);
    }
    ClusterIndex index;
    try (InputStream in = store.open(INDEX)) {
      index = IndexCodec.read(in, where + "/" + INDEX);
    }
    MultiLayerNetwork network;
    try (InputStream in = store.open(NETWORK)) {
      network = ModelSerializer.restoreMultiLayerNetwork(in, true);
    } catch (IOException | RuntimeException e) {
      throw new IOException(where + "/" + NETWORK + " is unreadable or truncated: " + e.getMessage(), e);
    }
    try {
      return new ModelArtifact(network, index, labelNames, params, spec, provenance);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + " is inconsistent: " + e.getMessage(), e);
    }
  }
}
