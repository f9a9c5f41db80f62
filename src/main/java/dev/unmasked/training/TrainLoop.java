package dev.unmasked.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.unmasked.console.ProgressBar;
import dev.unmasked.io.SafetensorsException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The optimisation loop every trainer runs: for each step, the caller's loss terms under a gradient
 * collector, the NaN/inf guard, gradient clipping by global norm, AdamW at the scheduled rate, the
 * EMA; a checkpoint every so many seconds, at the deadline and at the end; a progress bar with the
 * loss and samples/s. Each step runs in its own {@link NDScope}.
 *
 * <p>Exact resume: a step may draw randomness only from the {@link TrainRng} it is handed (and data
 * only as a function of the step number), so a run resumed from a checkpoint continues bit for bit
 * as the uninterrupted run would (at the same thread count).
 */
public final class TrainLoop {

  /**
   * @param label progress-bar label
   * @param totalSteps the run ends after this many steps
   * @param batch samples per step (for samples/s)
   * @param lr learning rate by step
   * @param clipNorm maximum global gradient norm, or 0 for none
   * @param checkpointSeconds seconds between checkpoints
   * @param checkpointSteps also checkpoint every this many steps (0: by time only)
   * @param stop asked before each step with the steps done: true checkpoints and stops (a time
   *     budget, or a test's interruption)
   * @param checkpoint where the checkpoint goes
   * @param metadata stored in every checkpoint (settings, for a resume to check)
   * @param state the trainer's own state for each checkpoint (masks, counters), or null
   */
  public record Settings(String label, long totalSteps, int batch, LrSchedule lr, double clipNorm,
      double checkpointSeconds, long checkpointSteps, Budget stop, Path checkpoint,
      Map<String, String> metadata, java.util.function.Supplier<Map<String, Checkpoint.State>> state) {

    /** Checkpoints by time only, no trainer state. */
    public Settings(String label, long totalSteps, int batch, LrSchedule lr, double clipNorm,
        double checkpointSeconds, Budget stop, Path checkpoint, Map<String, String> metadata) {
      this(label, totalSteps, batch, lr, clipNorm, checkpointSeconds, 0, stop, checkpoint, metadata,
          null);
    }
  }

  /** One step's loss terms; the term named {@link #TOTAL} is differentiated. */
  @FunctionalInterface
  public interface Step {
    Map<String, NDArray> losses(long step, TrainRng rng);
  }

  /** Hooks after steps and checkpoints (logging, held-out loss, samples). */
  public interface Listener {
    /** After step {@code step} (0-based) with its loss terms, rate and gradient norm. */
    default void afterStep(long step, Map<String, Double> terms, double lr, double gradNorm) {}

    /** After a checkpoint at {@code stepsDone}. */
    default void afterCheckpoint(long stepsDone) {}
  }

  public static final String TOTAL = "loss";

  /** When to stop early (with a checkpoint), given the steps done. */
  @FunctionalInterface
  public interface Budget {
    boolean exhausted(long stepsDone);

    static Budget none() {
      return done -> false;
    }

    /** Wall-clock minutes from now; 0 or less: no limit. */
    static Budget minutes(double minutes) {
      if (minutes <= 0) {
        return none();
      }
      long deadline = System.nanoTime() + (long) (minutes * 60e9);
      return done -> System.nanoTime() >= deadline;
    }

    /** Stops once {@code steps} steps are done (interrupting a run, in tests). */
    static Budget steps(long steps) {
      return done -> done >= steps;
    }
  }

  /** Where a run starts: step 0 with a fresh generator, or where a checkpoint left off. */
  public record Start(long step, TrainRng rng, Checkpoint checkpoint) {
    public Start(long step, TrainRng rng) {
      this(step, rng, null);
    }
  }

  private TrainLoop() {}

  /** Restores {@code checkpoint} into the optimizer (and EMA) when it exists; else a fresh start. */
  public static Start resume(Path checkpoint, AdamW optimizer, Ema ema, long seed, PrintStream log)
      throws SafetensorsException {
    if (!Files.exists(checkpoint)) {
      return new Start(0, new TrainRng(seed));
    }
    Checkpoint c = Checkpoint.read(checkpoint);
    c.restore(optimizer, ema);
    log.printf(Locale.ROOT, "resuming from %s at step %d%n", checkpoint, c.step());
    return new Start(c.step(), c.rng(), c);
  }

  /**
   * Runs from {@code start} to the total or the deadline; returns the number of steps done. A kill
   * by SIGTERM or Ctrl-C lets the current step finish and writes a checkpoint before the JVM exits
   * (a shutdown hook waits up to two minutes for it).
   */
  public static long run(Settings s, AdamW optimizer, Ema ema, Start start, Step step,
      Listener listener, ThreadGovernor threads, PrintStream out) throws SafetensorsException {
    java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    Thread hook = new Thread(() -> {
      killed.set(true);
      try {
        finished.await(120, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "checkpoint-on-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return loop(s, optimizer, ema, start, step, listener, threads, out, killed);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting: the hook is running and returns now
      }
    }
  }

  private static long loop(Settings s, AdamW optimizer, Ema ema, Start start, Step step,
      Listener listener, ThreadGovernor threads, PrintStream out,
      java.util.concurrent.atomic.AtomicBoolean killed) throws SafetensorsException {
    TrainRng rng = start.rng();
    long done = start.step();
    ProgressBar bar = new ProgressBar(s.label(), (int) s.totalSteps(), out, (int) done);
    long lastCkpt = System.nanoTime();
    long lastThreads = System.nanoTime();
    double smooth = Double.NaN;
    long t0 = System.nanoTime();
    long firstStep = done;
    while (done < s.totalSteps()) {
      if (killed.get()) {
        out.printf(Locale.ROOT, "%s: stopped by a signal at step %d of %d; the checkpoint is saved%n",
            s.label(), done, s.totalSteps());
        break;
      }
      if (s.stop().exhausted(done)) {
        out.printf(Locale.ROOT, "%s: time budget reached at step %d of %d%n", s.label(), done,
            s.totalSteps());
        break;
      }
      double lr = s.lr().at(done);
      Map<String, Double> terms = new LinkedHashMap<>();
      double norm;
      try (NDScope scope = new NDScope()) {
        Map<String, NDArray> losses;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          losses = step.losses(done, rng);
          NDArray total = losses.get(TOTAL);
          if (total == null) {
            throw new IllegalStateException("a training step must return a '" + TOTAL + "' term");
          }
          gc.backward(total);
        }
        for (Map.Entry<String, NDArray> e : losses.entrySet()) {
          terms.put(e.getKey(), (double) e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).getFloat());
        }
        LossGuard.check(done, terms);
        norm = s.clipNorm() > 0
            ? GradClip.clip(optimizer.params().values(), s.clipNorm())
            : Double.NaN;
        if (s.clipNorm() > 0 && !Double.isFinite(norm)) {
          throw new LossGuard.DivergedException(done, "gradient norm", norm);
        }
        optimizer.step(lr);
        if (ema != null) {
          ema.update();
        }
      }
      done++;
      double loss = terms.get(TOTAL);
      smooth = Double.isNaN(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
      if (listener != null) {
        listener.afterStep(done - 1, terms, lr, norm);
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      bar.update((int) done, smooth, String.format(Locale.ROOT, "%.1f samples/s, %d thr",
          (done - firstStep) * s.batch() / Math.max(secs, 1e-9), threads == null ? 0 : threads.threads()));
      if (threads != null && System.nanoTime() - lastThreads > 5e9) {
        threads.adjust();
        lastThreads = System.nanoTime();
      }
      boolean end = done == s.totalSteps() || s.stop().exhausted(done) || killed.get();
      boolean byStep = s.checkpointSteps() > 0 && done % s.checkpointSteps() == 0;
      if (end || byStep || System.nanoTime() - lastCkpt > s.checkpointSeconds() * 1e9) {
        Checkpoint.save(s.checkpoint(), done, rng, optimizer, ema, s.metadata(),
            s.state() == null ? Map.of() : s.state().get());
        lastCkpt = System.nanoTime();
        if (listener != null) {
          listener.afterCheckpoint(done);
        }
      }
    }
    return done;
  }
}
