package dev.unmasked.eval;

import com.google.gson.JsonObject;

/** Running mean with its count. Not thread-safe. */
public final class Mean {
  private double sum;
  private int n;

  public void add(double v) {
    sum += v;
    n++;
  }

  public int n() {
    return n;
  }

  /** The mean; NaN with no values. */
  public double value() {
    return n == 0 ? Double.NaN : sum / n;
  }

  /** {@code {"mean": .., "n": ..}} (mean null with no values). */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("mean", n == 0 ? null : value());
    o.addProperty("n", n);
    return o;
  }
}
