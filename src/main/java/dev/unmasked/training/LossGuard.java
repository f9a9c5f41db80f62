package dev.unmasked.training;

import java.util.Locale;
import java.util.Map;

/** Stops training at the first non-finite loss term, naming the step and the term. */
public final class LossGuard {
  private LossGuard() {}

  /** Thrown when a loss term is NaN or infinite; the last checkpoint written before it is kept. */
  public static final class DivergedException extends RuntimeException {
    private final long step;
    private final String term;

    public DivergedException(long step, String term, double value) {
      super(String.format(Locale.ROOT, "training diverged at step %d: loss term '%s' is %s; the last"
          + " good checkpoint is kept (lower the learning rate or check the data, then --resume)",
          step, term, value));
      this.step = step;
      this.term = term;
    }

    public long step() {
      return step;
    }

    public String term() {
      return term;
    }
  }

  /** Checks every term (name -> value) of step {@code step}. */
  public static void check(long step, Map<String, Double> terms) {
    for (Map.Entry<String, Double> e : terms.entrySet()) {
      if (!Double.isFinite(e.getValue())) {
        throw new DivergedException(step, e.getKey(), e.getValue());
      }
    }
  }
}
