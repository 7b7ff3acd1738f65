package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {
  @TempDir
  Path tmp;

  @Test
  void theListingSkipsHiddenNamesSortsByPathAndGivesFolders() throws IOException {
    Files.createDirectories(tmp.resolve("b")).resolve("2.png").toFile().createNewFile();
    Files.write(tmp.resolve("b").resolve("1.png"), new byte[] {1, 2, 3});
    Files.write(Files.createDirectories(tmp.resolve("a/deeper")).resolve("x.png"), new byte[5]);
    Files.write(tmp.resolve("top.png"), new byte[7]);
    Files.write(tmp.resolve("b").resolve(".hidden.png"), new byte[1]);
    Files.write(Files.createDirectories(tmp.resolve("_skipped")).resolve("y.png"), new byte[1]);
    Files.write(Files.createDirectories(tmp.resolve(".git")).resolve("z.png"), new byte[1]);
    ImageFiles files = ImageFiles.list(tmp.toString(), new Configuration());
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      paths.add(files.path(i));
    }
    String root = "file:" + tmp.toAbsolutePath();
    assertEquals(List.of(root + "/a/deeper/x.png", root + "/b/1.png", root + "/b/2.png", root + "/top.png"), paths);
    assertEquals(3, files.fileSize(1));
    assertEquals(Files.getLastModifiedTime(tmp.resolve("b/1.png")).toMillis(), files.modified(1));
    assertEquals(15, files.bytes());
    List<ImageFiles.Split> one = files.splits(1, 100);
    assertEquals("a", one.get(0).folder(0), "the first folder below the root, however deep the file");
    assertNull(one.get(0).folder(3), "a file directly under the root has no folder");
    assertEquals(103, one.get(0).id(3));
    assertArrayEquals(new byte[] {1, 2, 3}, ImageFiles.read(files.path(1), new Configuration()));
    assertNull(ImageFiles.read(root + "/gone.png", new Configuration()), "a vanished file reads as null");
  }

  @Test
  void splitsAreBalancedByCountAndBytesAndCoverEveryFileOnce() throws IOException {
    for (int i = 0; i < 100; i++) {
      Files.write(Files.createDirectories(tmp.resolve("c" + i % 3)).resolve(i + ".png"), new byte[i < 10 ? 100_000 : 10]);
    }
    ImageFiles files = ImageFiles.list(tmp.toString(), new Configuration());
    List<ImageFiles.Split> splits = files.splits(8, 0);
    assertTrue(splits.size() >= 8, "at least the splits asked: " + splits.size());
    long covered = 0;
    long next = 0;
    for (ImageFiles.Split s : splits) {
      assertEquals(next, s.id(0), "contiguous ids");
      next += s.size();
      covered += s.size();
      assertTrue(s.size() <= (100 + 7) / 8, "no split over the count share: " + s.size());
    }
    assertEquals(100, covered);
  }
}
