package dev.magnet.it.script;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's {@code ./spark-submit} as a user would: a separate process, with this
 * test's JDK ({@code JAVA_HOME}) and {@code MAGNET_NO_BUILD} set, so that a missing or stale jar
 * fails the test instead of starting a Maven build inside the build that runs it.
 */
final class Script {
  /** The repository root: the parent of this module (surefire runs in the module's directory). */
  static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
  /** A bound on a hung run, so that it fails instead of blocking the build; not a speed check. */
  private static final long LIMIT_MINUTES = 5;

  /** One finished run: exit status and captured output. */
  record Run(int status, String out, String err) {
    @Override
    public String toString() {
      return "status=" + status + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private Script() {}

  /** Runs {@code ./spark-submit args} with extra environment variables, output captured in {@code logs}. */
  static Run run(Path logs, Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("spark-submit").toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
    pb.environment().remove("SPARK_HOME");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("MAGNET_NO_BUILD", "1");
    pb.environment().put("MAGNET_JAVA_OPTS", "-Xmx2g");
    pb.environment().putAll(env);
    Files.createDirectories(logs);
    Path out = Files.createTempFile(logs, "stdout", ".txt");
    Path err = Files.createTempFile(logs, "stderr", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    boolean finished = p.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly().waitFor();
    }
    Run run = new Run(finished ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    assertTrue(finished, "./spark-submit did not finish within " + LIMIT_MINUTES + " minutes\n" + run);
    return run;
  }

  static Run run(Path logs, String... args) throws IOException, InterruptedException {
    return run(logs, Map.of(), args);
  }
}
