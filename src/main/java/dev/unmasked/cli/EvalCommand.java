package dev.unmasked.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code unmasked eval ...}: measurements on the toy world, where every mask is known. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Measure models on the toy world (exact masks, the shipped judge).",
      "See docs/TOYWORLD.md."
    },
    subcommands = {EvalBaseCommand.class, EvalConceptsCommand.class})
public final class EvalCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
