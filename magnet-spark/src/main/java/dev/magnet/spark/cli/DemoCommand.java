package dev.magnet.spark.cli;

import dev.magnet.spark.demo.DemoJob;
import dev.magnet.spark.demo.DemoRequest;
import dev.magnet.spark.util.JobException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code magnet demo [DIR]}: the options of a {@link DemoRequest}, run by {@link DemoJob}: the
 * whole product on generated images, train from a PNG folder, evaluate, embed, each step printed
 * as the command that repeats it.
 */
@Command(name = "demo",
    description = {"Train, evaluate and embed on generated images with hidden sub-classes, and write a report.",
        "Writes PNG folders to DIR, runs the train, evaluate and embed jobs on them, and prints each command."})
public final class DemoCommand extends SparkCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = "out/demo",
      description = "Where everything goes (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "3", description = "Training epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--per-subclass", paramLabel = "N", defaultValue = "240",
      description = "Generated images per hidden sub-class, a sixth of them held out (default: ${DEFAULT-VALUE}).")
  int perSubclass;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "2026", description = "Seed of data and training (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    DemoRequest request = JobException.argument(() -> new DemoRequest(dir, epochs, perSubclass, seed));
    try (SparkOptions.Session session = spark.session("magnet demo")) {
      return new DemoJob(session.spark(), spark.out(), spark.err()).run(request);
    }
  }
}
