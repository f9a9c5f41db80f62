package dev.unmasked.cli;

import dev.unmasked.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code unmasked} command line. Each sub-command lives in its own class in this
 * package; a sub-command reports bad input by throwing {@link UserError}, which is printed as one
 * clear line and exits with status 2.
 */
@Command(
    name = "unmasked",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Teach a Stable Diffusion model several visual concepts at once from a few images,",
      "with no masks: tokens and masks are learned together from the model's own cross-attention."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      GenerateCommand.class,
      TokenizeCommand.class,
      InfoCommand.class,
      ConvertCheckpointCommand.class,
      CrfCommand.class,
      WorldCommand.class,
      BenchCommand.class,
      PretrainCommand.class,
      ExportCommand.class,
      LearnCommand.class,
      DemoCommand.class,
      EvalCommand.class,
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Columns of {@code --help} (every subcommand's). */
  static final int HELP_WIDTH = 100;

  /** The configured command line; tests run commands through it without exiting the JVM. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // the descriptions are written as lines of up to 100 columns; at picocli's default 80 each
    // would break in two
    cl.setUsageHelpWidth(HELP_WIDTH);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (isUserFacing(ex)) {
            commandLine.getErr().println("error: " + ex.getMessage());
            return 2;
          }
          throw ex;
        });
    return cl;
  }

  /**
   * Errors about the user's files or arguments: printed as one message, exit status 2. Anything
   * else is a bug and keeps its stack trace.
   */
  static boolean isUserFacing(Throwable ex) {
    return ex instanceof UserError
        || ex instanceof dev.unmasked.model.WeightLoadException
        || ex instanceof dev.unmasked.io.SafetensorsException
        || ex instanceof dev.unmasked.tokenizer.TokenizerException;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"unmasked " + (v == null ? "dev" : v)};
    }
  }
}
