package dev.magnet.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.OutputMarker;
import dev.magnet.spark.TestModels;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopModelDirectoryTest {
  private static final Configuration CONF = new Configuration();

  @TempDir
  Path tmp;

  private String uri(Path p) {
    return p.toUri().toString();
  }

  private List<String> namesIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void roundTripOnAFileUriLeavesNoStagingBehind() throws IOException {
    ModelArtifact model = TestModels.tiny();
    String dir = uri(tmp.resolve("model"));
    assertTrue(dir.startsWith("file:"), dir);
    HadoopModelDirectory.save(model, dir, CONF, false);
    assertEquals(List.of("model"), namesIn(tmp));
    ModelArtifact loaded = HadoopModelDirectory.load(dir, CONF);
    assertEquals(model.embed(TestModels.input()), loaded.embed(TestModels.input()));
    assertEquals(model.labelNames(), loaded.labelNames());
    assertEquals(model.params(), loaded.params());
  }

  @Test
  void refusesAnExistingDirectoryWithoutOverwriteAndTouchesNothing() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(dir.resolve("keep.txt"), "precious");
    FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
        () -> HadoopModelDirectory.save(TestModels.tiny(), uri(dir), CONF, false));
    assertTrue(refused.getMessage().contains("--overwrite"), refused.getMessage());
    assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
    assertEquals("precious", Files.readString(dir.resolve("keep.txt")));
    assertEquals(List.of("model"), namesIn(tmp));
  }

  @Test
  void overwriteReplacesAMagnetDirectoryWholeAndRefusesAnyOther() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(dir.resolve("keep.txt"), "not Magnet's");
    FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
        () -> HadoopModelDirectory.save(TestModels.tiny(), dir.toString(), CONF, true));
    assertEquals("file:" + dir + ": " + OutputMarker.NOT_MAGNET_OUTPUT, refused.getMessage());
    assertEquals("not Magnet's", Files.readString(dir.resolve("keep.txt")));
    assertEquals(List.of("model"), namesIn(tmp), "nothing was staged");

    Path model = tmp.resolve("magnet");
    HadoopModelDirectory.save(TestModels.tiny(), model.toString(), CONF, false);
    assertTrue(Files.exists(model.resolve(OutputMarker.FILE_NAME)));
    Files.writeString(model.resolve("keep.txt"), "inside a Magnet directory");
    HadoopModelDirectory.save(TestModels.tiny(), model.toString(), CONF, true);
    assertFalse(Files.exists(model.resolve("keep.txt")));
    assertEquals(List.of("cat", "dog"), HadoopModelDirectory.load(model.toString(), CONF).labelNames());
    assertEquals(List.of("magnet", "model"), namesIn(tmp));
  }

  /**
   * Without Hadoop's .crc files (a copy to S3 has none), a changed byte used to load silently: the
   * SHA-256 in metadata.json catches it, naming the file.
   */
  @Test
  void aChangedFileIsCaughtWithoutChecksumFiles() throws IOException {
    Path dir = tmp.resolve("model");
    HadoopModelDirectory.save(TestModels.tiny(), uri(dir), CONF, false);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path crc : files.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(crc);
      }
    }
    Path index = dir.resolve("index.bin");
    byte[] bytes = Files.readAllBytes(index);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(index, bytes);
    IOException e = assertThrows(IOException.class, () -> HadoopModelDirectory.load(uri(dir), CONF));
    assertTrue(e.getMessage().startsWith("file:" + dir + "/index.bin is corrupt: its SHA-256 is "),
        e.getMessage());
  }

  @Test
  void aFailingWriterLeavesNeitherStagingNorTarget() {
    IOException error = assertThrows(IOException.class, () -> HadoopModelDirectory.write(uri(tmp.resolve("model")),
        CONF, false, store -> {
          try (OutputStream out = store.create("half.txt")) {
            out.write("half".getBytes(StandardCharsets.UTF_8));
          }
          throw new IOException("disk full");
        }));
    assertEquals("disk full", error.getMessage());
    assertTrue(tmp.toFile().list().length == 0, "nothing left behind");
  }

  @Test
  void readingAMissingDirectoryOrFileNamesIt() throws IOException {
    String missing = uri(tmp.resolve("nope"));
    FileNotFoundException noDir = assertThrows(FileNotFoundException.class, () -> HadoopModelDirectory.load(missing, CONF));
    assertTrue(noDir.getMessage().contains("nope"), noDir.getMessage());
    Path dir = tmp.resolve("model");
    HadoopModelDirectory.save(TestModels.tiny(), uri(dir), CONF, false);
    Files.delete(dir.resolve("index.bin"));
    FileNotFoundException noFile = assertThrows(FileNotFoundException.class, () -> HadoopModelDirectory.load(uri(dir), CONF));
    assertTrue(noFile.getMessage().contains("index.bin"), noFile.getMessage());
  }
}
