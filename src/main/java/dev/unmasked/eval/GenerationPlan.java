package dev.unmasked.eval;

import dev.unmasked.toyworld.Background;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The prompts a case's learned concepts are generated with, the same in every mode (and with the
 * same noise seeds, so modes differ only by their embeddings):
 * <ol>
 *   <li>each object concept alone on {@code backgrounds} new backgrounds (none of the case's scene
 *       backgrounds), e.g. {@code a <v1> on the snow}: concept and prompt fidelity, diversity;
 *   <li>every pair of object concepts, and the first three together, on a new background:
 *       composition;
 *   <li>each object concept on each learned background concept: {@code a <v1> on the <v3>}.
 * </ol>
 */
public final class GenerationPlan {
  private GenerationPlan() {}

  /** What a prompt tests. */
  public enum Kind { SINGLE, PAIR, TRIPLE, LEARNED_BACKGROUND }

  /**
   * One prompt.
   *
   * @param concepts the object concepts it names
   * @param background the requested background (null: a learned one, {@code learned})
   * @param learned the background concept it names, or null
   * @param seed noise seed of its first sample ({@code seed + i} for sample i)
   */
  public record Prompt(Kind kind, String text, List<EvalCase.CaseConcept> concepts, Background background,
      EvalCase.CaseConcept learned, long seed) {}

  /** The new backgrounds of a case: every class that none of its images shows, rotated by the case's name. */
  static List<Background> newBackgrounds(EvalCase c) {
    Set<Background> used = new LinkedHashSet<>();
    c.images().forEach(im -> used.add(im.scene().background()));
    List<Background> free = new ArrayList<>();
    for (Background b : Background.values()) {
      if (!used.contains(b)) {
        free.add(b);
      }
    }
    int start = Math.floorMod(c.name().hashCode(), free.size());
    List<Background> out = new ArrayList<>();
    for (int i = 0; i < free.size(); i++) {
      out.add(free.get((start + i) % free.size()));
    }
    return out;
  }

  public static List<Prompt> of(EvalCase c, int backgrounds, long firstSeed) {
    List<Background> fresh = newBackgrounds(c);
    List<EvalCase.CaseConcept> objects = c.objectConcepts();
    List<Prompt> out = new ArrayList<>();
    for (int k = 0; k < objects.size(); k++) {
      for (int i = 0; i < Math.min(backgrounds, fresh.size()); i++) {
        Background b = fresh.get((k + i) % fresh.size());
        out.add(new Prompt(Kind.SINGLE, text(List.of(objects.get(k)), b), List.of(objects.get(k)), b,
            null, 0));
      }
    }
    for (int a = 0; a < objects.size(); a++) {
      for (int b = a + 1; b < objects.size(); b++) {
        List<EvalCase.CaseConcept> two = List.of(objects.get(a), objects.get(b));
        out.add(new Prompt(Kind.PAIR, text(two, fresh.get(0)), two, fresh.get(0), null, 0));
      }
    }
    if (objects.size() >= 3) {
      List<EvalCase.CaseConcept> three = objects.subList(0, 3);
      out.add(new Prompt(Kind.TRIPLE, text(three, fresh.get(0)), List.copyOf(three), fresh.get(0), null, 0));
    }
    for (EvalCase.CaseConcept bg : c.backgroundConcepts()) {
      for (EvalCase.CaseConcept o : objects) {
        out.add(new Prompt(Kind.LEARNED_BACKGROUND, "a " + o.token() + " on the " + bg.token(),
            List.of(o), null, bg, 0));
      }
    }
    List<Prompt> seeded = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      Prompt p = out.get(i);
      seeded.add(new Prompt(p.kind(), p.text(), p.concepts(), p.background(), p.learned(),
          firstSeed + 1000L * i));
    }
    return seeded;
  }

  /** The training prompts' grammar (learn's toy template) with a caption's background phrase: {@code a <v1> and a <v2> on the snow}. */
  static String text(List<EvalCase.CaseConcept> cs, Background b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cs.size(); i++) {
      sb.append(i == 0 ? "a " : " and a ").append(cs.get(i).token());
    }
    return sb.append(' ').append(b.phrase()).toString();
  }
}
