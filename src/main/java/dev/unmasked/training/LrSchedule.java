package dev.unmasked.training;

/**
 * Learning rate by step: linear warm-up from {@code peak/warmup} to {@code peak} over {@code warmup}
 * steps, then constant or a half cosine down to {@code floor * peak} at {@code total} steps.
 */
public record LrSchedule(Kind kind, double peak, int warmup, int total, double floor) {

  public enum Kind { CONSTANT, COSINE }

  public LrSchedule {
    if (!(peak > 0) || warmup < 0 || total < 1 || floor < 0 || floor > 1) {
      throw new IllegalArgumentException("bad learning-rate schedule: peak " + peak + ", warmup "
          + warmup + ", total " + total + ", floor " + floor);
    }
  }

  public static LrSchedule constant(double lr, int warmup) {
    return new LrSchedule(Kind.CONSTANT, lr, warmup, Integer.MAX_VALUE, 1);
  }

  public static LrSchedule cosine(double peak, int warmup, int total, double floor) {
    return new LrSchedule(Kind.COSINE, peak, warmup, total, floor);
  }

  /** The rate for 0-based {@code step}. */
  public double at(long step) {
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    if (kind == Kind.CONSTANT) {
      return peak;
    }
    double p = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
    return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p)));
  }
}
