package dev.magnet.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The file that marks a directory as written by Magnet. Replacing an existing output
 * ({@code --overwrite}) is allowed only for a directory that holds it, or for a model directory
 * written before markers existed (its {@code metadata.json} names {@link ModelArtifact}), so a
 * mistyped path never deletes data Magnet did not write.
 */
public final class OutputMarker {
  /** Starts with '_' so that Spark and Parquet readers skip it, as they skip {@code _SUCCESS}. */
  public static final String FILE_NAME = "_MAGNET_OUTPUT";

  private static final ObjectMapper JSON = new ObjectMapper();

  private OutputMarker() {}

  /** The marker's content: what wrote the directory, with which Magnet, when. */
  public static byte[] content(String writer) {
    ObjectNode marker = JSON.createObjectNode();
    marker.put("writer", writer);
    marker.put("magnetVersion", MagnetVersion.get());
    marker.put("writtenAt", Instant.now().toString());
    return (marker.toString() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Whether the directory {@code store} reads holds the marker or is a model directory of an earlier Magnet. */
  public static boolean isMagnetOutput(ArtifactStore store) throws IOException {
    try (InputStream ignored = store.open(FILE_NAME)) {
      return true;
    } catch (FileNotFoundException e) {
      // no marker: perhaps a model directory written before markers existed
    }
    try (InputStream in = store.open(ModelArtifact.METADATA)) {
      JsonNode metadata = JSON.readTree(in);
      return metadata != null && ModelArtifact.class.getName().equals(metadata.path("class").asText());
    } catch (FileNotFoundException | com.fasterxml.jackson.core.JsonProcessingException e) {
      return false;
    }
  }

  /**
   * Why an existing directory that is not Magnet's is not replaced; follows its path, as in
   * {@link java.nio.file.FileAlreadyExistsException}'s message.
   */
  public static final String NOT_MAGNET_OUTPUT = "exists and was not written by Magnet (it has no " + FILE_NAME
      + " file); --overwrite replaces only Magnet's outputs: choose another path, or delete it yourself";
}
