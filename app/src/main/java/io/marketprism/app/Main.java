package io.marketprism.app;

import io.marketprism.platform.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * {@code bin/marketprism}: the command line of CONTRACT §2. Unknown flags and bad values exit 2
 * with a one-line message; {@code --help} works on every subcommand.
 */
@Command(name = "marketprism", mixinStandardHelpOptions = true, version = "MarketPrism 0.1.0",
    description = "Crypto market data: collect, normalize, publish, store and serve.",
    subcommands = {DemoCommand.class, RunCommand.class, NormalizeCommand.class, SimulateCommand.class})
public final class Main implements Runnable {

  /** Exit code for usage errors and bad configuration values. */
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler((ex, a) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println(prefix(ex.getCommandLine()) + firstLine(ex.getMessage()) + " (see --help)");
      err.flush();
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      PrintWriter err = line.getErr();
      if (ex instanceof UsageException || ex instanceof ConfigException) {
        err.println(prefix(line) + firstLine(ex.getMessage()));
        err.flush();
        return EXIT_USAGE;
      }
      // a service that could not start says why in its message; a bug keeps its exception class
      boolean explained = (ex instanceof IllegalStateException || ex instanceof IOException)
          && ex.getMessage() != null;
      err.println(prefix(line) + (explained ? ex.getMessage() : ex.toString()));
      err.flush();
      return 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code marketprism: } for the top-level command, {@code marketprism normalize: } for a subcommand. */
  private static String prefix(CommandLine line) {
    return line.getParent() == null ? "marketprism: " : "marketprism " + line.getCommandName() + ": ";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s.trim() : s.substring(0, nl).trim();
  }

  /** A bad value found after parsing (exit 2, one line). */
  public static final class UsageException extends RuntimeException {
    public UsageException(String message) {
      super(message);
    }
  }
}
