package dev.magnet.core.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 digests of the files of a model directory. {@link ModelArtifact} records one for every
 * file in its {@code metadata.json} (written last) and checks each on load, so a file that was
 * changed, truncated or partly copied is reported by name on any store, object stores included,
 * which keep no Hadoop {@code .crc} files. The digest guards against corruption, not against a
 * writer who can also rewrite {@code metadata.json}: see the README on trusting model directories.
 */
public final class FileDigests {
  /** The digest recorded, as {@link MessageDigest} names it. */
  public static final String ALGORITHM = "SHA-256";

  private FileDigests() {}

  /** What writes one file's bytes. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Creates {@code name} in {@code store} and writes it with {@code body}.
   *
   * @return the hex SHA-256 of the bytes written
   */
  public static String write(ArtifactStore store, String name, Body body) throws IOException {
    MessageDigest digest = sha256();
    try (OutputStream out = new DigestOutputStream(store.create(name), digest)) {
      body.writeTo(out);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The hex SHA-256 of {@code bytes}. */
  public static String of(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  /**
   * Reads the whole of {@code name} and checks it against {@code expected} (hex SHA-256); no check
   * when {@code expected} is null (a directory written before digests were recorded).
   *
   * @throws IOException naming the file when its digest differs
   */
  public static byte[] readVerified(ArtifactStore store, String name, String expected) throws IOException {
    byte[] bytes;
    try (InputStream in = store.open(name)) {
      bytes = in.readAllBytes();
    } catch (FileNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw unreadable(store, name, e);
    }
    if (expected != null) {
      check(store, name, expected, of(bytes), bytes.length);
    }
    return bytes;
  }

  /**
   * Copies {@code name} to a temporary local file and checks it as {@link #readVerified} does, so
   * that a large file is read once and never held in memory; the caller deletes the copy.
   */
  static Path copyVerified(ArtifactStore store, String name, String expected) throws IOException {
    Path copy = Files.createTempFile("magnet-" + name.replaceAll("[^A-Za-z0-9.]", "_") + "-", ".tmp");
    try {
      MessageDigest digest = sha256();
      try (InputStream in = new DigestInputStream(store.open(name), digest)) {
        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      } catch (FileNotFoundException e) {
        throw e;
      } catch (IOException e) {
        throw unreadable(store, name, e);
      }
      if (expected != null) {
        check(store, name, expected, HexFormat.of().formatHex(digest.digest()), Files.size(copy));
      }
      return copy;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(copy);
      throw e;
    }
  }

  /** A read that failed part-way: a file system's own checksum (Hadoop's .crc) caught the damage first. */
  private static IOException unreadable(ArtifactStore store, String name, IOException e) {
    return new IOException(store.location() + "/" + name + " is corrupt: it cannot be read whole ("
        + e.getMessage() + ")", e);
  }

  private static void check(ArtifactStore store, String name, String expected, String actual, long bytes)
      throws IOException {
    if (!expected.equalsIgnoreCase(actual)) {
      throw new IOException(store.location() + "/" + name + " is corrupt: its " + ALGORITHM + " is " + actual + " ("
          + bytes + " bytes), " + ModelArtifact.METADATA + " records " + expected
          + "; the file was changed or partly copied after the model was written");
    }
  }

  /** Whether {@code name} exists in {@code store}. */
  static boolean exists(ArtifactStore store, String name) throws IOException {
    try (InputStream ignored = store.open(name)) {
      return true;
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance(ALGORITHM);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has " + ALGORITHM, e);
    }
  }
}
