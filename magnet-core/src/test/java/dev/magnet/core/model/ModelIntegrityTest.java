package dev.magnet.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import untrusted.ClassLoadProbe;
import untrusted.SerialisedProbe;

/**
 * What loading a damaged or hostile model directory does: every file is checked against the
 * SHA-256 in metadata.json, the index header against the file's length before anything is
 * allocated, and the network archive's entries and class names before DL4J reads it. Each
 * hostile case is made consistent (its digest rewritten), so only the check under test can stop it.
 */
class ModelIntegrityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private Path saved() throws IOException {
    Path dir = tmp.resolve("model");
    ModelArtifactTest.tinyModel().save(dir, false);
    return dir;
  }

  private static void flipLastByte(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(file, bytes);
  }

  /** Rewrites a file and its digest in metadata.json (when the model records digests), as a consistent writer would. */
  private static void replaceConsistently(Path dir, String name, byte[] content) throws Exception {
    Files.write(dir.resolve(name), content);
    Path metadata = dir.resolve(ModelArtifact.METADATA);
    ObjectNode tree = (ObjectNode) JSON.readTree(metadata.toFile());
    if (tree.has(ModelArtifact.DIGESTS)) {
      ((ObjectNode) tree.get(ModelArtifact.DIGESTS)).put(name,
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
      JSON.writeValue(metadata.toFile(), tree);
    }
  }

  @Test
  void aChangedByteInTheIndexOrTheNetworkIsCaughtNamingTheFile() throws Exception {
    Path dir = saved();
    flipLastByte(dir.resolve("index.bin"));
    IOException index = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(index.getMessage().startsWith(dir + "/index.bin is corrupt: its SHA-256 is "), index.getMessage());
    assertTrue(index.getMessage().endsWith("; the file was changed or partly copied after the model was written"),
        index.getMessage());

    ModelArtifactTest.tinyModel().save(dir, true);
    Path network = dir.resolve("network.zip");
    byte[] bytes = Files.readAllBytes(network);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(network, bytes);
    IOException zip = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(zip.getMessage().startsWith(dir + "/network.zip is corrupt: its SHA-256 is "), zip.getMessage());
  }

  @Test
  void theMetadataRecordsTheDigestOfEveryFileAndIsWrittenLast() throws Exception {
    Path dir = tmp.resolve("model");
    LocalModelDirectory.write(dir, false, store -> ModelArtifactTest.tinyModel().writeTo(store,
        Map.of("metrics.json", "{}".getBytes(StandardCharsets.UTF_8))));
    ObjectNode digests = (ObjectNode) JSON.readTree(dir.resolve(ModelArtifact.METADATA).toFile())
        .get(ModelArtifact.DIGESTS);
    assertEquals(3, digests.size(), digests.toString());
    for (String name : new String[] {"network.zip", "index.bin", "metrics.json"}) {
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(Files.readAllBytes(dir.resolve(name)))), digests.get(name).asText(), name);
    }
    Files.writeString(dir.resolve("metrics.json"), "{ }");
    IOException extra = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(extra.getMessage().startsWith(dir + "/metrics.json is corrupt"), extra.getMessage());
  }

  /** A header claiming 2^31-1 clusters made the loader allocate them first: an OutOfMemoryError. */
  @Test
  void anIndexHeaderClaimingHugeCountsIsRefusedBeforeAllocating() throws Exception {
    Path dir = saved();
    byte[] index = Files.readAllBytes(dir.resolve("index.bin"));
    ByteBuffer.wrap(index).putInt(12, Integer.MAX_VALUE);
    replaceConsistently(dir, "index.bin", index);
    long before = allocatedBytes();
    IOException e = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    long allocated = allocatedBytes() - before;
    assertEquals(dir + "/index.bin is truncated or has a corrupt header: 2147483647 clusters of dimension 3 need "
        + "94489280497 bytes, the file has " + index.length, e.getMessage());
    assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes");

    ByteBuffer.wrap(index).putInt(12, 4).putInt(8, Integer.MAX_VALUE);
    replaceConsistently(dir, "index.bin", index);
    e = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertEquals(dir + "/index.bin has a corrupt header or belongs to another model: it has 2147483647 classes, the"
        + " model's metadata names 2", e.getMessage());
  }

  /**
   * Jackson loads and initialises any class a configuration names before DL4J can refuse it; the
   * model is now refused first, naming the class, and the class never loads.
   */
  @Test
  void aNetworkNamingAClassOutsideTheTrustedPackagesIsRefusedBeforeTheClassLoads() throws Exception {
    Path dir = saved();
    Map<String, byte[]> entries = unzip(dir.resolve("network.zip"));
    String configuration = new String(entries.get("configuration.json"), StandardCharsets.UTF_8);
    assertTrue(configuration.contains("org.deeplearning4j.nn.weights.WeightInitXavier"), configuration);
    entries.put("configuration.json", configuration.replace("org.deeplearning4j.nn.weights.WeightInitXavier",
        ClassLoadProbe.class.getName()).getBytes(StandardCharsets.UTF_8));
    replaceConsistently(dir, "network.zip", zip(entries));
    IOException e = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(e.getMessage().startsWith(dir + "/network.zip/configuration.json names the class"
        + " 'untrusted.ClassLoadProbe' at /confs/"), e.getMessage());
    assertTrue(e.getMessage().endsWith(", outside DL4J, ND4J, DataVec and Magnet; refusing to load it: load only"
        + " model directories you trust"), e.getMessage());
    assertNull(System.getProperty(ClassLoadProbe.PROPERTY), "the class was initialised");
  }

  /** ModelSerializer reads a preprocessor.bin entry with Java deserialisation; such an archive is refused unread. */
  @Test
  void aNetworkWithAJavaSerialisedEntryIsRefusedUnread() throws Exception {
    Path dir = saved();
    Map<String, byte[]> entries = unzip(dir.resolve("network.zip"));
    ByteArrayOutputStream serialised = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(serialised)) {
      out.writeObject(new SerialisedProbe());
    }
    entries.put("preprocessor.bin", serialised.toByteArray());
    replaceConsistently(dir, "network.zip", zip(entries));
    IOException e = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertEquals(dir + "/network.zip holds the entry 'preprocessor.bin', which Magnet never writes (DL4J reads"
        + " preprocessor.bin with Java deserialisation); refusing to load it: load only model directories you trust",
        e.getMessage());
    assertNull(System.getProperty(SerialisedProbe.PROPERTY), "the entry was deserialised");
  }

  @Test
  void aModelWrittenBeforeDigestsLoadsUnchecked() throws Exception {
    Path dir = saved();
    Path metadata = dir.resolve(ModelArtifact.METADATA);
    ObjectNode tree = (ObjectNode) JSON.readTree(metadata.toFile());
    tree.remove(ModelArtifact.DIGESTS);
    JSON.writeValue(metadata.toFile(), tree);
    assertEquals(ModelArtifactTest.tinyModel().embed(ModelArtifactTest.fixedInput()),
        ModelArtifact.load(dir).embed(ModelArtifactTest.fixedInput()));
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  private static Map<String, byte[]> unzip(Path zip) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        entries.put(entry.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  private static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(entry.getKey()));
        out.write(entry.getValue());
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
