package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.crf.DenseCrf;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.scheduler.BetaSchedule;
import dev.unmasked.training.TrainRng;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The E-step (ALGORITHM.md): for one image, T noised forward passes without gradients (batched), the
 * cross-attention map of each of its concept tokens averaged over heads, layers and timesteps,
 * min-max normalised, upsampled (bilinear) to the image, a background label {@code 1 - max_k P_k}
 * unless a concept is the background, renormalised, then the dense CRF on the image (one prepared
 * lattice per image, reused) and its MAP labels as one binary mask per concept.
 */
final class MaskEstimator {
  private static final int CHUNK = 16;

  private final LoadedModel model;
  private final LearnOptions options;
  private final BetaSchedule schedule;
  private final Map<String, DenseCrf> lattices = new HashMap<>();

  MaskEstimator(LoadedModel model, LearnOptions options, BetaSchedule schedule) {
    this.model = model;
    this.options = options;
    this.schedule = schedule;
  }

  /** The estimate: soft maps [K][side*side] (normalised) and the masks at the image's size. */
  record Estimate(List<float[]> maps, int side, List<Mask> masks) {}

  /**
   * @param latent the image's scaled latent [C*h*w] with its shape {@code latentShape} [C, h, w]
   * @param prompt the prompt naming all the image's concepts
   * @param positions token position of each concept in the prompt
   * @param background which concepts are the background
   * @param rng the E-step's own random source (a function of the step: resumes are exact)
   */
  Estimate estimate(InputImage image, float[] latent, long[] latentShape, String prompt,
      int[] positions, boolean[] background, TrainRng rng, NDManager base) {
    int k = positions.length;
    int t = options.estepTimesteps();
    float[] avg = null;
    int side = 0;
    try (NDManager m = base.newSubManager()) {
      NDArray ctx1 = Prompts.encode(model, m, List.of(prompt)); // [1, 77, D]
      for (int start = 0; start < t; start += CHUNK) {
        int n = Math.min(CHUNK, t - start);
        try (NDScope scope = new NDScope()) {
          long[] ts = new long[n];
          for (int i = 0; i < n; i++) {
            ts[i] = options.estepMinT() + rng.nextInt(options.estepMaxT() - options.estepMinT() + 1);
          }
          float[] zs = new float[n * latent.length];
          for (int i = 0; i < n; i++) {
            System.arraycopy(latent, 0, zs, i * latent.length, latent.length);
          }
          Shape s = new Shape(n, latentShape[0], latentShape[1], latentShape[2]);
          NDArray z = m.create(zs, s);
          NDArray eps = m.create(rng.gaussians(n * latent.length), s);
          NDArray zt = dev.unmasked.training.Noising.addNoise(schedule, z, eps, ts);
          int[][] pos = new int[n][];
          for (int i = 0; i < n; i++) {
            pos[i] = positions;
          }
          AttentionMaps maps = new AttentionMaps(m, pos, k, options.attnResolutions(), options.attnMid());
          model.unet().forward(zt, m.create(ts), ctx1.repeat(0, n), maps);
          NDArray sum = maps.maps().sum(new int[] {0}); // [K, s, s]
          side = maps.side();
          float[] f = sum.toFloatArray();
          if (avg == null) {
            avg = new float[f.length];
          }
          for (int i = 0; i < f.length; i++) {
            avg[i] += f[i] / t;
          }
        }
      }
    }
    List<float[]> norm = new ArrayList<>();
    int hw = side * side;
    for (int j = 0; j < k; j++) {
      float[] a = new float[hw];
      System.arraycopy(avg, j * hw, a, 0, hw);
      norm.add(Maps.minMax(a));
    }
    return new Estimate(norm, side, crf(image, norm, side, background));
  }

  /** Label probabilities from the maps, the CRF, and one mask per concept. */
  List<Mask> crf(InputImage image, List<float[]> maps, int side, boolean[] background) {
    int size = image.size();
    int n = size * size;
    int k = maps.size();
    boolean hasBg = false;
    for (boolean b : background) {
      hasBg |= b;
    }
    int labels = hasBg ? k : k + 1;
    float[] probs = new float[labels * n];
    List<float[]> up = new ArrayList<>();
    for (float[] m : maps) {
      up.add(Maps.upsampleBilinear(m, side, size));
    }
    boolean complement = options.backgroundLabel() == LearnOptions.BackgroundLabel.COMPLEMENT;
    for (int p = 0; p < n; p++) {
      float max = 0;
      for (int j = 0; j < k; j++) {
        if (!background[j]) {
          max = Math.max(max, up.get(j)[p]);
        }
      }
      float total = 0;
      for (int j = 0; j < k; j++) {
        float v = background[j] && complement ? 1 - max : up.get(j)[p];
        probs[j * n + p] = v;
        total += v;
      }
      if (!hasBg) {
        probs[k * n + p] = 1 - max;
        total += 1 - max;
      }
      for (int j = 0; j < labels; j++) {
        probs[j * n + p] = total > 0 ? probs[j * n + p] / total : 1f / labels;
      }
    }
    DenseCrf lattice = lattices.computeIfAbsent(image.stem(),
        s -> DenseCrf.prepare(image.argb(), size, size, options.crf(), 1));
    float[] unary = DenseCrf.unaryFromProbabilities(probs, labels, n);
    int[] map = lattice.infer(unary, labels, 1).labelMap();
    List<Mask> masks = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      boolean[] in = new boolean[n];
      for (int p = 0; p < n; p++) {
        in[p] = map[p] == j;
      }
      masks.add(new Mask(size, size, in));
    }
    return masks;
  }
}
