package dev.unmasked.toyworld;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An endless stream of rendered scenes for training: scene {@code i} is {@code SceneSampler.sample(
 * firstSeed + i, options)} rendered at 64x64, so the stream is a pure function of (firstSeed,
 * options) and yields identical samples in identical order for any thread count. Worker threads
 * render ahead into a bounded window of futures; {@link #next()} takes them in index order. No DJL:
 * images are plain {@code float[]}.
 *
 * <p>The pretraining default ({@link SceneOptions#training()}) never produces a held-out triple.
 */
public final class TrainingStream implements Iterator<TrainingStream.Sample>, AutoCloseable {

  /**
   * One training example.
   *
   * @param index position in the stream (scene seed = firstSeed + index)
   * @param image {@code [3, 64, 64]} channel-first, values in [-1, 1]
   * @param caption the scene's caption
   * @param scene the full ground truth
   */
  public record Sample(long index, float[] image, String caption, Scene scene) {}

  /**
   * A batch of samples.
   *
   * @param images {@code [B, 3, 64, 64]} flattened, values in [-1, 1]
   */
  public record Batch(float[] images, List<String> captions, List<Scene> scenes) {
    public int size() {
      return scenes.size();
    }
  }

  private final long firstSeed;
  private final SceneOptions options;
  private final ExecutorService pool;
  private final ArrayDeque<Future<Sample>> window = new ArrayDeque<>();
  private long nextToSubmit;

  /**
   * @param threads worker threads (1 or more)
   * @param lookahead scenes rendered ahead (at least {@code threads})
   */
  public TrainingStream(long firstSeed, SceneOptions options, int threads, int lookahead) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.firstSeed = firstSeed;
    this.options = options;
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "toyworld-stream");
              t.setDaemon(true);
              return t;
            });
    for (int i = 0; i < Math.max(lookahead, threads); i++) {
      submit();
    }
  }

  /** A stream with the pretraining options and all available processors. */
  public static TrainingStream of(long firstSeed) {
    int n = Runtime.getRuntime().availableProcessors();
    return new TrainingStream(firstSeed, SceneOptions.training(), n, 4 * n);
  }

  /** Renders sample {@code index} of a stream directly (what the workers do). */
  public static Sample render(long firstSeed, long index, SceneOptions options) {
    Scene scene = SceneSampler.sample(firstSeed + index, options);
    return new Sample(index, Renderer.render(scene, 1).chw(), scene.caption(), scene);
  }

  private void submit() {
    long index = nextToSubmit++;
    window.add(pool.submit(() -> render(firstSeed, index, options)));
  }

  @Override
  public boolean hasNext() {
    return true;
  }

  @Override
  public Sample next() {
    Future<Sample> f = window.poll();
    submit();
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a scene", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("rendering a scene failed: " + e.getCause(), e.getCause());
    }
  }

  /** The next {@code size} samples as one batch. */
  public Batch nextBatch(int size) {
    int pixels = 3 * Scene.CANVAS * Scene.CANVAS;
    float[] images = new float[size * pixels];
    String[] captions = new String[size];
    Scene[] scenes = new Scene[size];
    for (int b = 0; b < size; b++) {
      Sample s = next();
      System.arraycopy(s.image(), 0, images, b * pixels, pixels);
      captions[b] = s.caption();
      scenes[b] = s.scene();
    }
    return new Batch(images, List.of(captions), List.of(scenes));
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
