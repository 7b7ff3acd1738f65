package dev.magnet.spark.io;

import java.nio.file.Path;

/**
 * One {@code train --publish-to} run in its own JVM, for {@link FaultInjectionTest}: its file
 * system halts the JVM at the given mutating operation. Arguments: publish directory (local path),
 * run id, knn1_accuracy, kill point. Exits {@link #HALTED} when halted, 0 when the run ended first.
 */
public final class PublishKillMain {
  /** The exit status of a halted run. */
  public static final int HALTED = FaultFs.HALT_STATUS;

  private PublishKillMain() {}

  public static void main(String[] args) throws Exception {
    FaultFs.Faults faults = FaultFs.scenario();
    faults.halt = true;
    faults.crashAt = Integer.parseInt(args[3]);
    FaultInjectionTest.publishRun(FaultInjectionTest.faultConf(), faults, Path.of(args[0]), args[1],
        Double.parseDouble(args[2]), System.err::println);
  }
}
