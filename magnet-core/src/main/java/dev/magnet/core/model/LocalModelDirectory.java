package dev.magnet.core.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A model directory on the local file system, written atomically: files go to a hidden sibling
 * staging directory that is renamed into place only when complete, so a reader (or a resumed
 * run) never sees half a model, and an existing directory is replaced only when asked and only
 * when Magnet wrote it ({@link OutputMarker}).
 */
public final class LocalModelDirectory {
  private LocalModelDirectory() {}

  /** A store reading the files of an existing directory. */
  public static ArtifactStore reader(Path directory) {
    return new Store(directory);
  }

  /** What writes the files of a model into a store. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(ArtifactStore store) throws IOException;
  }

  /**
   * Writes a directory atomically.
   *
   * @param overwrite replace an existing directory, which must be Magnet's
   *     ({@link OutputMarker#isMagnetOutput})
   * @throws FileAlreadyExistsException if {@code directory} exists and {@code overwrite} is false,
   *     or it is not Magnet's; nothing of it is touched then
   * @throws IOException when the new directory cannot be moved into place: it is kept under the
   *     staging name the message gives, and the previous directory is back in place
   */
  public static void write(Path directory, boolean overwrite, Writer writer) throws IOException {
    Path target = directory.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      if (!overwrite) {
        throw new FileAlreadyExistsException(target.toString(), null,
            "model directory already exists; pass overwrite to replace it");
      }
      if (!OutputMarker.isMagnetOutput(new Store(target))) {
        throw new FileAlreadyExistsException(target.toString(), null, OutputMarker.NOT_MAGNET_OUTPUT);
      }
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    String name = target.getFileName().toString();
    Path staging = parent.resolve("." + name + ".tmp-" + UUID.randomUUID());
    Files.createDirectory(staging);
    try {
      writer.writeTo(new Store(staging));
    } catch (IOException | RuntimeException | Error e) {
      deleteRecursively(staging);
      throw e;
    }
    if (!Files.exists(target)) {
      move(staging, target, staging);
      return;
    }
    Path old = parent.resolve("." + name + ".old-" + UUID.randomUUID());
    move(target, old, staging);
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      move(old, target, staging);
      throw new IOException("cannot move the new " + target + " into place (" + e + "); the previous one is back,"
          + " the new one is kept in " + staging, e);
    }
    deleteRecursively(old);
  }

  /** An atomic move; a failure names where the complete new directory is kept. */
  private static void move(Path from, Path to, Path kept) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IOException("cannot move " + from + " to " + to + " (" + e + "); the new directory is kept in "
          + kept, e);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private record Store(Path directory) implements ArtifactStore {
    @Override
    public OutputStream create(String name) throws IOException {
      return Files.newOutputStream(directory.resolve(name));
    }

    @Override
    public InputStream open(String name) throws IOException {
      try {
        return Files.newInputStream(directory.resolve(name));
      } catch (NoSuchFileException e) {
        throw new FileNotFoundException("model file missing: " + directory.resolve(name));
      }
    }

    @Override
    public String location() {
      return directory.toString();
    }
  }
}
