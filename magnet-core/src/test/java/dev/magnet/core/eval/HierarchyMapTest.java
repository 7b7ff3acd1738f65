package dev.magnet.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HierarchyMapTest {

  private static HierarchyMap parse(String text) throws IOException {
    return HierarchyMap.parse(new StringReader(text));
  }

  private static String parseError(String text) {
    return assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
  }

  @Test
  void parsesPairsCommentsAndBlankLines(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("map.txt");
    Files.writeString(file, "# fine coarse\n0 0\n\n1\t1   # trouser\n  2 0\n");
    HierarchyMap map = HierarchyMap.parse(file);
    assertArrayEquals(new int[] {1, 0, 0, 1}, map.toCoarse(new int[] {1, 0, 2, 1}));
  }

  @Test
  void fashionMnistGroupsTopsTrouserFootwearBag() {
    int[] coarse = HierarchyMap.fashionMnistCoarse().toCoarse(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    assertArrayEquals(new int[] {0, 1, 0, 0, 0, 2, 0, 2, 3, 2}, coarse);
  }

  @Test
  void malformedLinesNameTheLineAndItsContent() {
    assertEquals("line must be 'fine coarse' with two integers; line 2='1 x'", parseError("0 0\n1 x\n"));
    assertEquals("line must be 'fine coarse' with two integers; line 1='1 2 3'", parseError("1 2 3\n"));
    assertEquals("labels must be non-negative; line 1='-1 0'", parseError("-1 0\n"));
    assertEquals("hierarchy map must have at least one line; lines=1", parseError("# nothing\n"));
  }

  @Test
  void duplicateFineLabelNamesBothLines() {
    assertEquals("fine label must appear once; fine=2 on lines 1 and 3", parseError("2 0\n3 1\n2 1\n"));
  }

  @Test
  void unknownFineLabelIsRejectedWhenApplied() throws IOException {
    HierarchyMap map = parse("0 0\n1 0\n");
    assertEquals("fine label must be in the hierarchy map; fine=11 at index 1",
        assertThrows(IllegalArgumentException.class, () -> map.toCoarse(new int[] {0, 11})).getMessage());
  }
}
