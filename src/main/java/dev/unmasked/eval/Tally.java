package dev.unmasked.eval;

import com.google.gson.JsonObject;

/** Hits out of cases: an accuracy with its count. Not thread-safe. */
public final class Tally {
  private int hits;
  private int n;

  public void add(boolean hit) {
    hits += hit ? 1 : 0;
    n++;
  }

  public int hits() {
    return hits;
  }

  public int n() {
    return n;
  }

  /** hits / n; NaN with no cases. */
  public double rate() {
    return n == 0 ? Double.NaN : hits / (double) n;
  }

  /** {@code {"rate": .., "hits": .., "n": ..}} (rate null with no cases). */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("rate", n == 0 ? null : rate());
    o.addProperty("hits", hits);
    o.addProperty("n", n);
    return o;
  }
}
