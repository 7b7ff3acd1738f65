package dev.magnet.core.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks a network archive ({@code network.zip}, DL4J's ModelSerializer format) before DL4J reads
 * it, because reading it can run code:
 *
 * <ul>
 *   <li>DL4J's configuration JSON names Java classes ({@code "@class"}), and Jackson loads, and so
 *       initialises, any class named there before DL4J can tell it is not a layer. Every class named
 *       must be in DL4J, ND4J, DataVec or Magnet ({@link #TRUSTED_PACKAGES}).
 *   <li>ModelSerializer reads a {@code preprocessor.bin} entry with Java deserialisation. Only the
 *       entries Magnet writes ({@link #ENTRIES}) are accepted.
 * </ul>
 *
 * <p>Written by hand because DL4J offers no hook to restrict the classes its mapper resolves; the
 * check reads the JSON as a plain tree, which loads no class.
 */
final class NetworkArchive {
  /** The entries ModelSerializer writes for a MultiLayerNetwork with its updater. */
  static final Set<String> ENTRIES = Set.of("configuration.json", "coefficients.bin", "updaterState.bin",
      "noParams.marker");
  /** The packages whose classes a configuration may name. */
  static final List<String> TRUSTED_PACKAGES = List.of("org.deeplearning4j.", "org.nd4j.", "org.datavec.",
      "dev.magnet.");
  /**
   * 16 MB: a configuration is a few kilobytes per layer, so this is thousands of layers; the entry is
   * read into memory, and its size in the zip header is not trusted.
   */
  static final int MAX_CONFIGURATION_BYTES = 16 << 20;

  private static final String CONFIGURATION = "configuration.json";
  private static final String TYPE_PROPERTY = "@class";
  /** A dotted Java name whose last part starts upper-case: how a class name looks inside a string. */
  private static final Pattern CLASS_NAME = Pattern.compile("([A-Za-z_$][\\w$]*\\.)+[A-Z][\\w$]*");
  private static final ObjectMapper JSON = new ObjectMapper();

  private NetworkArchive() {}

  /**
   * @param zip a local copy of the archive
   * @param source names the archive in messages
   * @throws IOException naming the entry or class when the archive holds anything else
   */
  static void check(Path zip, String source) throws IOException {
    try (ZipFile archive = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = archive.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (!ENTRIES.contains(name)) {
          throw new IOException(source + " holds the entry '" + name + "', which Magnet never writes (DL4J reads"
              + " preprocessor.bin with Java deserialisation); refusing to load it: load only model directories"
              + " you trust");
        }
      }
      ZipEntry configuration = archive.getEntry(CONFIGURATION);
      if (configuration == null) {
        throw new IOException(source + " has no " + CONFIGURATION + "; it is not a DL4J network");
      }
      JsonNode tree;
      try (InputStream in = archive.getInputStream(configuration)) {
        byte[] bytes = in.readNBytes(MAX_CONFIGURATION_BYTES + 1);
        if (bytes.length > MAX_CONFIGURATION_BYTES) {
          throw new IOException(source + "/" + CONFIGURATION + " is larger than " + MAX_CONFIGURATION_BYTES
              + " bytes; no Magnet network has a configuration that large");
        }
        tree = JSON.readTree(bytes);
      } catch (JsonProcessingException e) {
        throw new IOException(source + "/" + CONFIGURATION + " is not valid JSON: " + e.getOriginalMessage(), e);
      }
      checkClasses(tree, "", source);
    }
  }

  /** Fails on a class name outside {@link #TRUSTED_PACKAGES}: as a type id, a field name or a string value. */
  private static void checkClasses(JsonNode node, String pointer, String source) throws IOException {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        String at = pointer + "/" + field.getKey();
        if (looksLikeClass(field.getKey())) {
          checkTrusted(field.getKey(), at, source);
        }
        if (field.getKey().equals(TYPE_PROPERTY) && field.getValue().isTextual()) {
          checkTrusted(field.getValue().asText(), at, source);
        }
        checkClasses(field.getValue(), at, source);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkClasses(node.get(i), pointer + "/" + i, source);
      }
    } else if (node.isTextual() && looksLikeClass(node.asText())) {
      checkTrusted(node.asText(), pointer, source);
    }
  }

  private static boolean looksLikeClass(String text) {
    return CLASS_NAME.matcher(text).matches();
  }

  private static void checkTrusted(String className, String pointer, String source) throws IOException {
    for (String trusted : TRUSTED_PACKAGES) {
      if (className.startsWith(trusted)) {
        return;
      }
    }
    throw new IOException(source + "/" + CONFIGURATION + " names the class '" + className + "' at " + pointer
        + ", outside DL4J, ND4J, DataVec and Magnet; refusing to load it: load only model directories you trust");
  }
}
