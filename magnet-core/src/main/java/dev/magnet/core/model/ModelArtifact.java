package dev.magnet.core.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.MagnetParams;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained Magnet model: the network, the cluster index with its σ², the label names, the
 * parameters and network spec that produced it, how images become its inputs
 * ({@link ImagePreprocessing}, for image models), and its provenance.
 *
 * <p>On disk it is a directory: {@code metadata.json} (artifact class, format version, Magnet
 * version, label names, σ², parameters, network spec, image preprocessing, provenance, and the
 * SHA-256 of every other file), {@code network.zip} (DL4J's ModelSerializer, with the updater state so training can
 * continue) and {@code index.bin} ({@link IndexCodec}). Loading checks the class, the format
 * version, each file's digest, the index header against its length, the classes the network's
 * configuration names ({@link NetworkArchive}) and that the network, index and label names agree
 * in shape. A model directory is still code-like: load only ones you trust.
 *
 * <p>Format versions: 1, the first; 2 adds {@code preprocessing} (null for vector models). A
 * version-1 image model is read with the preprocessing {@code embed} always applied to it
 * ({@link ImagePreprocessing#implied}).
 */
public final class ModelArtifact {
  /** Bumped on every incompatible change of the directory layout; readers refuse newer ones. */
  public static final int FORMAT_VERSION = 2;
  /** The first version that records the image preprocessing. */
  static final int PREPROCESSING_VERSION = 2;

  static final String METADATA = "metadata.json";
  static final String NETWORK = "network.zip";
  static final String INDEX = "index.bin";
  /** The field of {@link #METADATA} that maps each other file to its SHA-256. */
  static final String DIGESTS = "sha256";
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final MultiLayerNetwork network;
  private final ClusterIndex index;
  private final List<String> labelNames;
  private final MagnetParams params;
  private final NetworkSpec networkSpec;
  private final ImagePreprocessing preprocessing;
  private final Provenance provenance;

  /** A model whose preprocessing is the default of its input ({@link ImagePreprocessing#implied}). */
  public ModelArtifact(MultiLayerNetwork network, ClusterIndex index, List<String> labelNames,
      MagnetParams params, NetworkSpec networkSpec, Provenance provenance) {
    this(network, index, labelNames, params, networkSpec, ImagePreprocessing.implied(networkSpec.input()), provenance);
  }

  /**
   * @param preprocessing how images become the network's inputs; null for a model of vectors
   * @throws IllegalArgumentException when the parts disagree: label names and index classes, the
   *     embedding widths, or the preprocessing's shape and the network's input
   */
  public ModelArtifact(MultiLayerNetwork network, ClusterIndex index, List<String> labelNames,
      MagnetParams params, NetworkSpec networkSpec, ImagePreprocessing preprocessing, Provenance provenance) {
    this.network = Objects.requireNonNull(network, "network");
    this.index = Objects.requireNonNull(index, "index");
    this.labelNames = List.copyOf(labelNames);
    this.params = Objects.requireNonNull(params, "params");
    this.networkSpec = Objects.requireNonNull(networkSpec, "networkSpec");
    this.preprocessing = preprocessing;
    this.provenance = Objects.requireNonNull(provenance, "provenance");
    if (preprocessing != null && !preprocessing.shape().equals(networkSpec.input())) {
      throw new IllegalArgumentException("the preprocessing must give the network's input; preprocessing="
          + preprocessing.shape() + " network=" + networkSpec.input());
    }
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

  /** How images become the network's inputs; null for a model of vectors. */
  public ImagePreprocessing preprocessing() {
    return preprocessing;
  }

  public Provenance provenance() {
    return provenance;
  }

  /** Embeddings of the given examples, in inference mode. */
  public INDArray embed(INDArray features) {
    return NetworkFactory.embed(network, features,
        NetworkFactory.embedBatchSize(network.getLayerWiseConfigurations(), networkSpec.input()));
  }

  /**
   * The softmax baseline's own prediction for embeddings this model computed: the argmax of its
   * output layer, the head alone.
   *
   * @throws IllegalArgumentException if the model was not trained with a loss whose head predicts classes
   */
  public int[] predictClassesOfEmbeddings(INDArray embeddings) {
    if (!Objective.of(params).predictsClasses()) {
      throw new IllegalArgumentException("class predictions need a softmax model (the other losses output"
          + " embeddings only); loss=" + params.loss());
    }
    return NetworkFactory.predictClassesOfEmbeddings(network, embeddings);
  }


  /** Writes the model to a local directory atomically; see {@link LocalModelDirectory#write}. */
  public void save(Path directory, boolean overwrite) throws IOException {
    LocalModelDirectory.write(directory, overwrite, this::writeTo);
  }

  /** Reads a model from a local directory. */
  public static ModelArtifact load(Path directory) throws IOException {
    return readFrom(LocalModelDirectory.reader(directory));
  }

  /** Writes the three files into a store (which decides about atomicity); see {@link #writeTo(ArtifactStore, Map)}. */
  public void writeTo(ArtifactStore store) throws IOException {
    writeTo(store, Map.of());
  }

  /**
   * Writes {@code network.zip}, {@code index.bin} and {@code extraFiles} (small files that belong
   * with the model, such as a checkpoint's metrics), then {@code metadata.json} with the
   * {@link FileDigests SHA-256} of each of them: metadata last, so a directory whose copy was cut
   * short either has no metadata or fails the digest check of the file that is short.
   */
  public void writeTo(ArtifactStore store, Map<String, byte[]> extraFiles) throws IOException {
    Map<String, String> digests = new TreeMap<>();
    digests.put(NETWORK, FileDigests.write(store, NETWORK, out -> ModelSerializer.writeModel(network, out, true)));
    digests.put(INDEX, FileDigests.write(store, INDEX, out -> IndexCodec.write(index, out)));
    for (Map.Entry<String, byte[]> file : new TreeMap<>(extraFiles).entrySet()) {
      if (digests.containsKey(file.getKey()) || file.getKey().equals(METADATA)) {
        throw new IllegalArgumentException("extra model files must not replace the model's own; name=" + file.getKey());
      }
      digests.put(file.getKey(), FileDigests.write(store, file.getKey(), out -> out.write(file.getValue())));
    }
    ObjectNode metadata = JSON.createObjectNode();
    metadata.put("class", ModelArtifact.class.getName());
    metadata.put("formatVersion", FORMAT_VERSION);
    metadata.put("magnetVersion", MagnetVersion.get());
    metadata.set("labelNames", JSON.valueToTree(labelNames));
    metadata.put("sigma2", index.sigma2());
    metadata.set("params", JSON.valueToTree(params));
    metadata.set("network", JSON.valueToTree(networkSpec));
    metadata.set("preprocessing", JSON.valueToTree(preprocessing));
    metadata.set("provenance", JSON.valueToTree(provenance));
    metadata.set(DIGESTS, JSON.valueToTree(digests));
    try (OutputStream out = store.create(METADATA)) {
      JSON.writeValue(out, metadata);
    }
  }

  /**
   * Reads and checks a model from a store: every file against the digest {@code metadata.json}
   * records (a directory written before digests were recorded is read unchecked), the index header
   * against the file's length, and the network archive's entries and class names
   * ({@link NetworkArchive}) before DL4J reads it.
   */
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
    ImagePreprocessing preprocessing;
    Provenance provenance;
    try {
      labelNames = List.of(JSON.treeToValue(metadata.path("labelNames"), String[].class));
      params = JSON.treeToValue(metadata.path("params"), MagnetParams.class);
      spec = JSON.treeToValue(metadata.path("network"), NetworkSpec.class);
      preprocessing = version < PREPROCESSING_VERSION ? ImagePreprocessing.implied(spec.input())
          : JSON.treeToValue(metadata.path("preprocessing"), ImagePreprocessing.class);
      provenance = JSON.treeToValue(metadata.path("provenance"), Provenance.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(where + "/" + METADATA + " is incomplete or invalid: " + e.getOriginalMessage(), e);
    }
    Map<String, String> digests = digests(metadata, where);
    for (String name : digests.keySet()) {
      if (!name.equals(NETWORK) && !name.equals(INDEX)) {
        FileDigests.readVerified(store, name, digests.get(name));
      }
    }
    ClusterIndex index = IndexCodec.read(FileDigests.readVerified(store, INDEX, digests.get(INDEX)),
        where + "/" + INDEX, labelNames.size());
    MultiLayerNetwork network;
    Path copy = FileDigests.copyVerified(store, NETWORK, digests.get(NETWORK));
    try {
      try {
        NetworkArchive.check(copy, where + "/" + NETWORK);
      } catch (ZipException e) {
        throw unreadable(where, e);
      }
      try {
        network = ModelSerializer.restoreMultiLayerNetwork(copy.toFile(), true);
      } catch (IOException | RuntimeException e) {
        throw unreadable(where, e);
      }
    } finally {
      Files.deleteIfExists(copy);
    }
    try {
      return new ModelArtifact(network, index, labelNames, params, spec, preprocessing, provenance);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + " is inconsistent: " + e.getMessage(), e);
    }
  }

  private static IOException unreadable(String where, Exception e) {
    return new IOException(where + "/" + NETWORK + " is unreadable or truncated: " + e.getMessage(), e);
  }

  /**
   * The digests {@code metadata.json} records by file name; every name maps to null in a directory
   * written before digests were recorded, which is then read unchecked.
   */
  private static Map<String, String> digests(JsonNode metadata, String where) throws IOException {
    JsonNode recorded = metadata.get(DIGESTS);
    Map<String, String> digests = new TreeMap<>();
    if (recorded == null) {
      digests.put(NETWORK, null);
      digests.put(INDEX, null);
      return digests;
    }
    for (Iterator<Map.Entry<String, JsonNode>> files = recorded.fields(); files.hasNext(); ) {
      Map.Entry<String, JsonNode> file = files.next();
      if (!file.getValue().isTextual() || !SHA256_HEX.matcher(file.getValue().asText()).matches()
          || file.getKey().contains("/") || file.getKey().equals(METADATA)) {
        throw new IOException(where + "/" + METADATA + " records an invalid digest: " + file.getKey() + "="
            + file.getValue());
      }
      digests.put(file.getKey(), file.getValue().asText());
    }
    for (String name : List.of(NETWORK, INDEX)) {
      if (!digests.containsKey(name)) {
        throw new IOException(where + "/" + METADATA + " records no digest of " + name);
      }
    }
    return digests;
  }
}
