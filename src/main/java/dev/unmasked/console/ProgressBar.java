package dev.unmasked.console;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: {@code label [#####.....] 3/10 1.25 it/s loss 0.1234 ETA 5s}.
 * Redrawn in place on a terminal; on a pipe/log a line is printed every ~10%
 * (and at least once a minute) instead.
 */
public final class ProgressBar {
  private final String label;
  private int total;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private final boolean tty = System.console() != null;
  private int lastDecile = -1;
  private long lastPrint = System.nanoTime();
  /** On a pipe or log, at least one line per minute of long work. */
  private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;
  private final int first;

  public ProgressBar(String label, int total, PrintStream out) {
    this(label, total, out, 0);
  }

  /** A bar for work resumed at {@code first} of {@code total}: rates count from there. */
  public ProgressBar(String label, int total, PrintStream out, int first) {
    this.label = label;
    this.total = total;
    this.out = out;
    this.first = first;
  }

  /** Changes the total (when it becomes known only after the work started). */
  public void setTotal(int total) {
    this.total = total;
  }

  public void update(int done) {
    update(done, Double.NaN);
  }

  /** Draws the bar for {@code done} of {@code total}, with a loss when it is a number. */
  public void update(int done, double loss) {
    update(done, loss, "");
  }

  /** As {@link #update(int, double)}, followed by {@code extra} (e.g. {@code 41.2 samples/s}). */
  public void update(int done, double loss, String extra) {
    double secs = (System.nanoTime() - start) / 1e9;
    double rate = (done - first) / Math.max(secs, 1e-9);
    int width = 24;
    int filled = total == 0 ? width : (int) ((long) width * done / total);
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    String eta = rate > 0 ? String.format(Locale.ROOT, " ETA %.0fs", (total - done) / rate) : "";
    String lossText = Double.isNaN(loss) ? "" : String.format(Locale.ROOT, " loss %.4f", loss);
    String line = String.format(Locale.ROOT, "%s [%s] %d/%d %.2f it/s%s%s%s", label, bar, done,
        total, rate, lossText, extra.isEmpty() ? "" : " " + extra, done < total ? eta : "");
    if (tty) {
      out.print("\r" + line + (done >= total ? "\n" : ""));
      out.flush();
    } else {
      int decile = total == 0 ? 10 : (int) (10L * done / total);
      long now = System.nanoTime();
      if (decile != lastDecile || done >= total || now - lastPrint > LOG_INTERVAL_NANOS) {
        out.println(line);
        lastDecile = decile;
        lastPrint = now;
      }
    }
  }

  /** Seconds since the bar was created. */
  public double elapsedSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }
}
