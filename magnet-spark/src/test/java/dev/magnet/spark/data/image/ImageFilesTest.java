package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.io.FaultFs;
import java.io.IOException;
import java.io.RandomAccessFile;
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

  private List<String> paths(ImageFiles files) {
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      paths.add(files.path(i));
    }
    return paths;
  }

  /**
   * A link back to the root used to be followed by Spark's listing round and round (2 PNG files
   * became 82 rows), and the java.nio listing after it followed no link at all. Links are
   * followed, a loop is skipped and named, and links that lead nowhere are listed to be rejected.
   */
  @Test
  void symbolicLinksAreFollowedWithoutLoops() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.write(Files.createDirectories(root.resolve("a")).resolve("x.png"), new byte[] {1});
    Files.createSymbolicLink(root.resolve("a/up"), root);
    Files.write(Files.createDirectories(tmp.resolve("outside")).resolve("y.png"), new byte[] {2, 2});
    Files.createSymbolicLink(root.resolve("b"), tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("c.png"), root.resolve("a/x.png"));
    Files.createSymbolicLink(root.resolve("dead.png"), tmp.resolve("nowhere.png"));
    Files.createSymbolicLink(root.resolve("self.png"), root.resolve("self.png"));
    Files.createSymbolicLink(tmp.resolve("alias"), root);

    ImageFiles files = ImageFiles.list(tmp.resolve("alias").toString(), new Configuration());
    String r = "file:" + tmp.resolve("alias").toAbsolutePath();
    assertEquals(List.of(r + "/a/x.png", r + "/b/y.png", r + "/c.png", r + "/dead.png", r + "/self.png"),
        paths(files), "the root link, the folder link and the file link followed; the loop not");
    assertEquals(List.of(r + "/a/up"), files.loops());
    assertEquals(2, files.fileSize(1), "a linked file's own size");
    assertArrayEquals(new byte[] {1}, ImageFiles.contents(files.path(2), files.fileSize(2), new Configuration()).bytes());

    DecodeResult.Rejected dead = ImageFiles.contents(files.path(3), files.fileSize(3), new Configuration()).rejected();
    assertEquals(RejectReason.MISSING, dead.reason());
    assertEquals("a symbolic link to a file that does not exist", dead.detail());
    DecodeResult.Rejected self = ImageFiles.contents(files.path(4), files.fileSize(4), new Configuration()).rejected();
    assertEquals(RejectReason.UNREADABLE, self.reason());
    assertTrue(self.detail().startsWith("Too many levels of symbolic links"), self.detail());
  }

  /**
   * A file over the read limit used to be read whole into the heap: it is a reject,
   * by its listed size without a read, or by what the read finds when it grew after the listing.
   * A file whose read fails is a reject too, and a vanished one, each saying why.
   */
  @Test
  void largeUnreadableAndVanishedFilesAreRejectsNamingWhy() throws IOException {
    Path huge = tmp.resolve("huge.png");
    try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
      file.setLength(ImageFiles.MAX_FILE_BYTES + 1); // sparse: no disk, no time
    }
    String path = "file:" + huge.toAbsolutePath();
    DecodeResult.Rejected listed = ImageFiles.contents(path, ImageFiles.MAX_FILE_BYTES + 1, new Configuration())
        .rejected();
    assertEquals(RejectReason.TOO_LARGE, listed.reason());
    assertEquals("268435457 bytes is more than the 268435456 a file may have", listed.detail());
    DecodeResult.Rejected grown = ImageFiles.contents(path, 10, new Configuration()).rejected();
    assertEquals(RejectReason.TOO_LARGE, grown.reason(), "listed small, read large");

    FaultFs.Faults faults = FaultFs.scenario();
    Configuration conf = FaultFs.configure(new Configuration());
    Files.write(tmp.resolve("bad.png"), new byte[] {1, 2, 3});
    faults.failOpen = p -> p.endsWith("/bad.png");
    DecodeResult.Rejected unreadable = ImageFiles.contents(faults.uri(tmp.resolve("bad.png")), 3, conf).rejected();
    assertEquals(RejectReason.UNREADABLE, unreadable.reason());
    assertEquals("injected read failure: " + faults.uri(tmp.resolve("bad.png")), unreadable.detail());

    DecodeResult.Rejected gone = ImageFiles.contents("file:" + tmp.resolve("gone.png").toAbsolutePath(), 5,
        new Configuration()).rejected();
    assertEquals(RejectReason.MISSING, gone.reason());
    assertEquals("the file was listed but is gone", gone.detail());
  }
}
