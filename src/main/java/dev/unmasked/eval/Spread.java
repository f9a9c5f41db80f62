package dev.unmasked.eval;

import com.google.gson.JsonObject;
import java.util.Collection;

/**
 * Mean and spread of values, NaN ones left out: mean, sample standard deviation (0 for one value),
 * count, min and max. NaN mean and deviation with no values.
 */
public record Spread(double mean, double sd, int n, double min, double max) {

  public static Spread of(Collection<Double> values) {
    double[] v = new double[values.size()];
    int i = 0;
    for (Double d : values) {
      v[i++] = d == null ? Double.NaN : d;
    }
    return of(v);
  }

  public static Spread of(double... values) {
    double sum = 0;
    int n = 0;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double x : values) {
      if (Double.isFinite(x)) {
        sum += x;
        n++;
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (n == 0) {
      return new Spread(Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN);
    }
    double mean = sum / n;
    double ss = 0;
    for (double x : values) {
      if (Double.isFinite(x)) {
        ss += (x - mean) * (x - mean);
      }
    }
    return new Spread(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n, lo, hi);
  }

  /** {@code {"mean", "sd", "n", "min", "max"}}, nulls with no values. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("mean", n == 0 ? null : round(mean));
    o.addProperty("sd", n == 0 ? null : round(sd));
    o.addProperty("n", n);
    o.addProperty("min", n == 0 ? null : round(min));
    o.addProperty("max", n == 0 ? null : round(max));
    return o;
  }

  /** e.g. {@code 0.712 ± 0.081 (n 30)}; {@code -} with no values. */
  public String describe() {
    return n == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.3f ± %.3f (n %d)", mean, sd, n);
  }

  static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
