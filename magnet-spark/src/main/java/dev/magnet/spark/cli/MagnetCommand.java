package dev.magnet.spark.cli;

import dev.magnet.spark.util.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * What every command that does work shares, stated once: {@code --help} and {@code --version}
 * (listed after its own options), exit status {@link ExitCodes#BAD_ARGUMENTS} for arguments it
 * cannot parse, and its options listed in the order they are declared. A command extends it and
 * gives only its name, description and options; picocli reads these attributes off the superclass,
 * so they hold for a command parsed on its own ({@code new CommandLine(new TrainCommand())}) as
 * under {@link MagnetCli}.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false)
abstract class MagnetCommand implements Callable<Integer> {}
