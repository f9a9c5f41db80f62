package dev.unmasked.crf;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A parallel for-loop over {@code [0, n)} cut into fixed-size chunks, run by a private pool of
 * {@code threads - 1} workers plus the calling thread.
 *
 * <p>Determinism rests on how the CRF uses it, not on scheduling: every loop body writes only the
 * elements of its own index range and reads only data no other chunk writes in the same loop, and
 * every output element is computed by the same arithmetic in the same order whichever thread runs
 * it. There are no cross-chunk reductions. So the results are bit-identical for any thread count.
 *
 * <p>With {@code threads == 1} no pool is created and loops run inline.
 */
final class Parallel implements AutoCloseable {

  /** A loop body over the half-open index range {@code [from, to)}. */
  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  private final int threads;
  private final ExecutorService pool;

  Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    this.pool =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r -> {
                  Thread t = new Thread(r, "crf-worker");
                  t.setDaemon(true);
                  return t;
                });
  }

  int threads() {
    return threads;
  }

  /**
   * Runs {@code body} over {@code [0, n)} in chunks of {@code chunk} indices and returns when all
   * chunks are done. An exception in any chunk is rethrown here.
   */
  void forRange(int n, int chunk, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int chunks = (n + chunk - 1) / chunk;
    if (pool == null || chunks == 1) {
      body.run(0, n);
      return;
    }
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable worker =
        () -> {
          int c;
          while (failure.get() == null && (c = next.getAndIncrement()) < chunks) {
            int from = c * chunk;
            try {
              body.run(from, Math.min(n, from + chunk));
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            }
          }
        };
    int helpers = Math.min(threads, chunks) - 1;
    Future<?>[] futures = new Future<?>[helpers];
    for (int i = 0; i < helpers; i++) {
      futures[i] = pool.submit(worker);
    }
    worker.run();
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for CRF worker threads", e);
      } catch (java.util.concurrent.ExecutionException e) {
        failure.compareAndSet(null, e.getCause());
      }
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
