package dev.magnet.it;

import dev.magnet.spark.cli.MagnetCli;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One in-process run of {@link MagnetCli} with its output captured. The CLI uses the active Spark
 * session (as under spark-submit), so the tests' {@link LocalSpark} session is the one it runs on.
 *
 * @param status the exit status, one of {@link dev.magnet.spark.util.ExitCodes}
 * @param out what it printed on standard output
 * @param err what it printed on standard error
 */
public record CliRun(int status, String out, String err) {
  /** Runs {@code magnet <args>}. */
  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = MagnetCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new CliRun(status, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "status=" + status + "\nout:\n" + out + "\nerr:\n" + err;
  }
}
