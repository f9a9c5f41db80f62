package dev.unmasked.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code learn} command line of one case in one mode. Every run of a case gets the same seed
 * and budget; only {@code --mode} (and, for mode user, the scene's own masks as {@code --mask})
 * differ. Paths are absolute so that a child process, or a later resume from another working
 * folder, records the same arguments (a resume must repeat them exactly).
 */
public final class LearnArgs {
  /** {@code --quick}: phase-1 steps, E-step interval, and the rest of a CI-sized run. */
  public static final int QUICK_STEPS = 4;
  public static final int QUICK_ESTEP_EVERY = 2;
  public static final List<String> QUICK_EXTRA = List.of("--estep-t", "4", "--batch", "2",
      "--checkpoint-every", "2", "--validation-prompt", "a <v1> on the snow");

  private LearnArgs() {}

  /** What every run of an evaluation shares. */
  public record Common(Path model, long seed, Integer steps, Integer estepEvery, List<String> extra) {
    public Common {
      model = model.toAbsolutePath().normalize();
      extra = List.copyOf(extra);
    }
  }

  /** The arguments after {@code learn}: images, options, concepts, then {@code --out RUN} or {@code --resume RUN}. */
  public static List<String> of(EvalCase c, String mode, Common common, Path runDir, boolean resume) {
    List<String> a = new ArrayList<>();
    for (EvalCase.CaseImage im : c.images()) {
      a.add(im.image().toString());
    }
    a.add("--model");
    a.add(common.model().toString());
    a.add("--mode");
    a.add(mode);
    a.add("--seed");
    a.add(Long.toString(common.seed()));
    if (common.steps() != null) {
      a.add("--steps");
      a.add(common.steps().toString());
    }
    if (common.estepEvery() != null) {
      a.add("--estep-every");
      a.add(common.estepEvery().toString());
    }
    a.addAll(common.extra());
    for (EvalCase.CaseConcept k : c.concepts()) {
      a.add("--concept");
      a.add(k.token() + "=" + k.init());
      if (!c.everywhere(k)) {
        StringBuilder in = new StringBuilder(k.token()).append('=');
        for (int i = 0; i < k.occurrences().size(); i++) {
          in.append(i == 0 ? "" : ",").append(fileName(c, k.occurrences().get(i).image()));
        }
        a.add("--in");
        a.add(in.toString());
      }
      if (k.background()) {
        a.add("--background");
        a.add(k.token());
      }
      if (mode.equals("user")) {
        for (EvalCase.Occurrence o : k.occurrences()) {
          a.add("--mask");
          a.add(k.token() + "=" + fileName(c, o.image()) + ":" + c.images().get(o.image()).mask(o.object()));
        }
      }
    }
    a.add(resume ? "--resume" : "--out");
    a.add(runDir.toAbsolutePath().normalize().toString());
    return a;
  }

  private static String fileName(EvalCase c, int image) {
    return c.images().get(image).image().getFileName().toString();
  }
}
