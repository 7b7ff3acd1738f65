package dev.magnet.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.magnet.core.model.OutputMarker;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a bench writes: {@code --overwrite} empties only a directory a bench wrote. */
class BenchRunnerTest {
  @TempDir
  Path tmp;

  /** bench --overwrite used to empty any directory. */
  @Test
  void overwriteEmptiesOnlyADirectoryABenchWrote() throws IOException {
    Path foreign = Files.createDirectories(tmp.resolve("home"));
    Path kept = Files.writeString(foreign.resolve("notes.txt"), "mine");
    JobException refused = assertThrows(JobException.class, () -> BenchRunner.claim(foreign, true));
    assertEquals(ExitCodes.BAD_ARGUMENTS, refused.exitCode());
    assertEquals("output " + foreign + " " + OutputMarker.NOT_MAGNET_OUTPUT, refused.getMessage());
    assertEquals("mine", Files.readString(kept));

    Path out = tmp.resolve("bench");
    BenchRunner.claim(out, false);
    Files.writeString(out.resolve("bench.md"), "an earlier table");
    Files.createDirectories(out.resolve("magnet-local2"));
    BenchRunner.claim(out, true);
    try (Stream<Path> files = Files.list(out)) {
      assertEquals(List.of(OutputMarker.FILE_NAME), files.map(p -> p.getFileName().toString()).toList());
    }

    Path legacy = Files.createDirectories(tmp.resolve("legacy"));
    Files.writeString(legacy.resolve(BenchRunner.RAW_FIGURES), "{}");
    BenchRunner.claim(legacy, true);
    assertFalse(Files.exists(legacy.resolve(BenchRunner.RAW_FIGURES)));
  }
}
