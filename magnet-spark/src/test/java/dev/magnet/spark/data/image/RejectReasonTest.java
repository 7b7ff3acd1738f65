package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code reason} column of the rejects tables is a file format: its values must not change. */
class RejectReasonTest {
  @Test
  void theSpellingsAreTheRejectsTablesValues() {
    assertEquals(List.of("empty", "missing", "unreadable", "unknown-format", "corrupt", "too-large", "unlabelled",
        "unknown-class"), Arrays.stream(RejectReason.values()).map(RejectReason::spelling).toList());
  }
}
