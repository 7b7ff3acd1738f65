package dev.magnet.spark.cli;

import picocli.CommandLine.Mixin;

/**
 * A command whose work runs in a Spark session: a {@link MagnetCommand} with the Spark options of
 * {@link SparkOptions} (listed first, as picocli lists a superclass's options before the
 * command's own), from which it opens its session.
 */
abstract class SparkCommand extends MagnetCommand {
  @Mixin
  SparkOptions spark;
}
