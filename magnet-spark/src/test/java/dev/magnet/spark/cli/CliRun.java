package dev.magnet.spark.cli;

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

  @Override
  public String toString() {
    return "status=" + status + "\nout:\n" + out + "\nerr:\n" + err;
  }
}
