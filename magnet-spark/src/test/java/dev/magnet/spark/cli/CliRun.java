package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.util.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the CLI with its output captured. */
record CliRun(int status, String out, String err) {
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = MagnetCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new CliRun(status, out.toString(), err.toString());
  }

  /** Runs {@code args} and asserts that the CLI refuses them as bad arguments, saying {@code message}. */
  static void assertRefused(String message, String... args) {
    CliRun run = of(args);
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
    assertTrue(run.err().contains(message), "expected '" + message + "' in\n" + run);
  }

  @Override
  public String toString() {
    return "status=" + status + "\nout:\n" + out + "\nerr:\n" + err;
  }
}
