package dev.magnet.spark.cli;

import dev.magnet.core.model.MagnetVersion;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.PrintWriter;
import org.apache.spark.SparkUserAppException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The command line of the Spark job: {@code magnet train ...}, {@code magnet evaluate ...} and the others,
 * each with {@code --help} and {@code --version}. Failures print one line on stderr (the stack
 * trace too with {@code --verbose}) and exit with a status from {@link ExitCodes}.
 */
@Command(name = "magnet", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    subcommands = {TrainCommand.class, EvaluateCommand.class, EmbedCommand.class, DemoCommand.class,
        BenchCommand.class, ExperimentCommand.class, GenerateCorpusCommand.class, NeighboursCommand.class}, synopsisSubcommandLabel = "COMMAND",
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS,
    description = "Metric learning with the Magnet loss (Rippel et al. 2016) on Apache Spark.")
public final class MagnetCli implements Runnable {
  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print the stack trace of an error.")
  boolean verbose;

  @Spec
  CommandSpec spec;

  /**
   * Runs the CLI and exits the JVM with its status; in YARN's cluster mode, returns on success and
   * throws Spark's {@link SparkUserAppException} with the status otherwise. There the driver runs
   * in Spark's ApplicationMaster, which calls this in a thread and tells YARN the application's
   * final status when it returns: a System.exit would make YARN record even a success as FAILED
   * and start the job again, while the exception makes the master exit with the status and put
   * "User application exited with status N" in YARN's diagnostics, which spark-submit prints.
   */
  public static void main(String[] args) throws SparkUserAppException {
    int status = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    if (inYarnApplicationMaster()) {
      if (status != ExitCodes.SUCCESS) {
        throw new SparkUserAppException(status);
      }
      return;
    }
    System.exit(status);
  }

  /** Whether this JVM is the driver inside Spark's YARN ApplicationMaster (cluster mode), which sets both properties. */
  static boolean inYarnApplicationMaster() {
    return System.getProperty("spark.yarn.app.id") != null
        && "cluster".equals(System.getProperty("spark.submit.deployMode"));
  }

  /** Runs the CLI; returns the exit status. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    try {
      return commandLine(out, err).execute(args);
    } finally {
      // Auto-flush acts on println only: a summary printed with print() would be lost at exit.
      out.flush();
      err.flush();
    }
  }

  /** The configured command line, with output, error and exit-status handling. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new MagnetCli());
    cli.setOut(out);
    cli.setErr(err);
    // An argument file (conf/train.args) gives the defaults and the options after it override them.
    cli.setOverwrittenOptionsAllowed(true);
    // bench --train-arg=--epochs=3 is an argument of train: its own rule refuses it, naming why.
    cli.getSubcommands().get("bench").setAllowOptionsAsOptionParameters(true);
    cli.setParameterExceptionHandler((e, args) -> {
      CommandLine failed = e.getCommandLine();
      PrintWriter w = failed.getErr();
      w.println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
      w.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
      w.flush();
      return ExitCodes.BAD_ARGUMENTS;
    });
    cli.setExecutionExceptionHandler((e, failed, parsed) -> {
      int status = JobException.status(e);
      PrintWriter w = failed.getErr();
      w.println(JobException.failureLine(failed.getCommandSpec().qualifiedName(), e));
      if (verbose(parsed)) {
        e.printStackTrace(w);
      }
      w.flush();
      return status;
    });
    return cli;
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand: train, evaluate, embed, demo, bench, experiment, generate-corpus or neighbours");
  }

  /** {@code --version}: Magnet's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"magnet " + MagnetVersion.get()};
    }
  }
}
