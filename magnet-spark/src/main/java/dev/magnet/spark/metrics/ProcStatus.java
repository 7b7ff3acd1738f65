package dev.magnet.spark.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A process's peak resident set size as Linux reports it: the {@code VmHWM} line ("high water
 * mark") of {@code /proc/<pid>/status}, in kB there, in bytes here. The kernel keeps it
 * monotonic for the life of the process, so sampling it now and then and keeping the last value
 * read loses nothing but what happens after the last sample. Absent where there is no
 * {@code /proc} (not Linux) or the process is gone.
 */
public final class ProcStatus {
  private static final String HWM = "VmHWM:";
  private static final String RSS = "VmRSS:";
  private static final long BYTES_PER_KB = 1024;

  private ProcStatus() {}

  /** This JVM's peak RSS. */
  public static OptionalLong selfPeakRssBytes() {
    return peakRssBytes(Path.of("/proc/self/status"));
  }

  /** This JVM's resident set size now ({@code VmRSS}). */
  public static OptionalLong selfRssBytes() {
    try {
      return parseKb(Files.readString(Path.of("/proc/self/status"), StandardCharsets.UTF_8), RSS);
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** The peak RSS of process {@code pid}. */
  public static OptionalLong peakRssBytes(long pid) {
    return peakRssBytes(Path.of("/proc", Long.toString(pid), "status"));
  }

  /** The peak RSS in a status file; empty when it cannot be read or has no VmHWM line. */
  static OptionalLong peakRssBytes(Path statusFile) {
    try {
      return parsePeakRssBytes(Files.readString(statusFile, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** The {@code VmHWM:   123456 kB} line of a status file's text, in bytes. */
  public static OptionalLong parsePeakRssBytes(String status) {
    return parseKb(status, HWM);
  }

  /** The {@code <name>   123456 kB} line of a status file's text, in bytes. */
  static OptionalLong parseKb(String status, String name) {
    for (String line : status.split("\n")) {
      if (line.startsWith(name)) {
        String[] words = line.substring(name.length()).trim().split("\\s+");
        if (words.length != 2 || !words[1].equals("kB")) {
          throw new IllegalArgumentException(name.substring(0, name.length() - 1) + " must be '<number> kB'; line="
              + line);
        }
        return OptionalLong.of(Long.parseLong(words[0]) * BYTES_PER_KB);
      }
    }
    return OptionalLong.empty();
  }
}
