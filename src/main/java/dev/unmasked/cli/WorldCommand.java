package dev.unmasked.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code unmasked world ...}: the toy world (renderer with exact masks, and its judge). */
@Command(
    name = "world",
    mixinStandardHelpOptions = true,
    description = {
      "The toy world: render scenes with exact masks and JSON ground truth, and judge images with",
      "the shipped toy-world classifier. See docs/TOYWORLD.md and docs/JUDGE.md."
    },
    subcommands = {WorldRenderCommand.class, WorldJudgeCommand.class, WorldTrainJudgeCommand.class,
        WorldEvalJudgeCommand.class, WorldEnsembleJudgeCommand.class})
public final class WorldCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
