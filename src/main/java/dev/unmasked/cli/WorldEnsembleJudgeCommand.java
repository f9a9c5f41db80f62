package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.JudgeWeights;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unmasked world ensemble-judge}: one judge file that averages several trained judges. */
@Command(
    name = "ensemble-judge",
    mixinStandardHelpOptions = true,
    description = {
      "Combine two or more judges written by train-judge into one ensemble file: every head is",
      "averaged over the members (the feature vector comes from the first). Then chooses the",
      "test-time views and the shape-presence threshold on validation scenes, as train-judge does,",
      "and stores them in OUT. Measure the result with 'world eval-judge --weights OUT'."
    })
public final class WorldEnsembleJudgeCommand implements Callable<Integer> {

  @Parameters(arity = "2..*", paramLabel = "WEIGHTS", description = "Judge weights files (judge.safetensors).")
  List<Path> members;

  @Option(names = "--out", required = true, description = "Ensemble file to write (replaced atomically).")
  Path out;

  @Override
  public Integer call() throws IOException {
    List<JudgeWeights.Tensors> ts = new ArrayList<>();
    for (Path p : members) {
      if (!Files.isRegularFile(p)) {
        throw new UserError(p + ": no such judge weights file");
      }
      if (p.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
        throw new UserError("--out " + out + " is also an input; write the ensemble to a new file");
      }
      JudgeWeights.Tensors t = JudgeWeights.read(p);
      if (Judge.isEnsemble(t.metadata())) {
        throw new UserError(p + " is already an ensemble; pass the single judges it was made from");
      }
      try {
        Judge.fromTensors(t).close(); // a missing or misshapen tensor is reported here, with the file
      } catch (IllegalArgumentException e) {
        throw new UserError(p + ": not a judge weights file: " + e.getMessage());
      }
      ts.add(t);
    }
    PrintStream log = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    JudgeWeights.write(out, JudgeWeights.ensemble(ts));
    log.println("wrote " + out + " (" + ts.size() + " members)");
    WorldTrainJudgeCommand.calibrate(out, log);
    return 0;
  }
}
