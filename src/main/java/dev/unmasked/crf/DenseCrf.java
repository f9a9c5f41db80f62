package dev.unmasked.crf;

/**
 * Fully connected CRF with Gaussian edge potentials (Krähenbühl &amp; Koltun), mean-field inference
 * on permutohedral lattices: the 2013 densecrf {@code DenseCRF2D} as pydensecrf calls it, with a
 * Potts Gaussian (smoothness) kernel on (x, y) added first and a Potts bilateral (appearance)
 * kernel on (x, y, R, G, B) second, both symmetrically normalised, self term included. See {@code
 * design/DENSECRF.md}.
 *
 * <p>Shape contract: an image of {@code width × height} pixels, pixel {@code n = y*width + x}, RGB
 * interleaved {@code byte[n*3]}; unaries (energies, {@code -log P}) and marginals label-major,
 * {@code float[labels * n]} with label l of pixel n at {@code l*n_pixels + n} (the golden files'
 * {@code [M][H][W]}); MAP labels {@code int[n]}, ties to the lowest label.
 *
 * <p>Precision: float32 throughout, with the reference's operation order and the fused
 * multiply-adds its {@code g++ -O3 -march=native} build uses, so the filter outputs are
 * bit-identical to the golden data and Q agrees to about 1e-7 (the exp is Java's, not glibc's).
 *
 * <p>An instance holds the two lattices of one image (the expensive part, built by {@link
 * #prepare}); {@link #infer} may then be called for any number of unaries. Results are
 * bit-identical for every thread count.
 */
public final class DenseCrf {

  /**
   * Kernel parameters and iteration count. Standard deviations are in pixels ({@code sxy}) and in
   * 0..255 colour units ({@code srgb}); compat values are Potts weights (positive = smoothing).
   */
  public record Params(
      float gaussianSxy,
      float gaussianCompat,
      float bilateralSxy,
      float bilateralSrgb,
      float bilateralCompat,
      int iterations) {

    /** The method's settings: Gaussian sxy=3 compat=3, bilateral sxy=80 srgb=13 compat=10, 5 it. */
    public static final Params DEFAULTS = new Params(3f, 3f, 80f, 13f, 10f, 5);

    public Params {
      positive("gaussian sxy", gaussianSxy);
      positive("bilateral sxy", bilateralSxy);
      positive("bilateral srgb", bilateralSrgb);
      finite("gaussian compat", gaussianCompat);
      finite("bilateral compat", bilateralCompat);
      if (iterations < 0) {
        throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
      }
    }

    public Params withIterations(int n) {
      return new Params(
          gaussianSxy, gaussianCompat, bilateralSxy, bilateralSrgb, bilateralCompat, n);
    }

    private static void positive(String what, float v) {
      if (!(v > 0) || Float.isInfinite(v)) {
        throw new IllegalArgumentException(what + " must be a positive finite number, got " + v);
      }
    }

    private static void finite(String what, float v) {
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(what + " must be a finite number, got " + v);
      }
    }
  }

  /**
   * Marginals {@code q[labels * pixels]} (label-major) and MAP labels {@code labelMap[pixels]}.
   */
  public record Result(int width, int height, int labels, float[] q, int[] labelMap) {
    public int pixels() {
      return width * height;
    }

    /** Q(label | pixel). */
    public float q(int label, int pixel) {
      return q[label * pixels() + pixel];
    }
  }

  private final int width;
  private final int height;
  private final Params params;
  private final DenseKernel gaussian;
  private final DenseKernel bilateral;

  private DenseCrf(int width, int height, Params params, DenseKernel gaussian, DenseKernel bilateral) {
    this.width = width;
    this.height = height;
    this.params = params;
    this.gaussian = gaussian;
    this.bilateral = bilateral;
  }

  /**
   * Builds both lattices and their normalisers for an RGB image ({@code byte[width*height*3]},
   * interleaved, unsigned). This is the reference's "setup" phase.
   */
  public static DenseCrf prepare(byte[] rgb, int width, int height, Params params, int threads) {
    int n = pixelCount(width, height);
    if (rgb == null || rgb.length != 3L * n) {
      throw new IllegalArgumentException(
          "image holds " + (rgb == null ? 0 : rgb.length) + " bytes, but " + width + "x" + height
              + " RGB needs " + 3L * n);
    }
    try (Parallel par = new Parallel(threads)) {
      float[] fg = new float[n * 2];
      float[] fb = new float[n * 5];
      par.forRange(
          height,
          Math.max(1, 4096 / width),
          (y0, y1) -> {
            for (int y = y0; y < y1; y++) {
              for (int x = 0; x < width; x++) {
                int i = y * width + x;
                // As DenseCRF2D: x (column) first, every coordinate divided in float.
                fg[i * 2] = x / params.gaussianSxy();
                fg[i * 2 + 1] = y / params.gaussianSxy();
                fb[i * 5] = x / params.bilateralSxy();
                fb[i * 5 + 1] = y / params.bilateralSxy();
                fb[i * 5 + 2] = (rgb[i * 3] & 0xff) / params.bilateralSrgb();
                fb[i * 5 + 3] = (rgb[i * 3 + 1] & 0xff) / params.bilateralSrgb();
                fb[i * 5 + 4] = (rgb[i * 3 + 2] & 0xff) / params.bilateralSrgb();
              }
            }
          });
      DenseKernel g = DenseKernel.build(fg, n, 2, par);
      DenseKernel b = DenseKernel.build(fb, n, 5, par);
      return new DenseCrf(width, height, params, g, b);
    }
  }

  /** As {@link #prepare(byte[], int, int, Params, int)} for packed {@code 0xAARRGGBB} pixels. */
  public static DenseCrf prepare(int[] argb, int width, int height, Params params, int threads) {
    return prepare(rgbFromArgb(argb), width, height, params, threads);
  }

  /** One call: prepare the image, then run {@code params.iterations()} mean-field iterations. */
  public static Result infer(
      byte[] rgb, int width, int height, float[] unary, int labels, Params params, int threads) {
    return prepare(rgb, width, height, params, threads).infer(unary, labels, threads);
  }

  /** As {@link #infer(byte[], int, int, float[], int, Params, int)} for {@code 0xAARRGGBB}. */
  public static Result infer(
      int[] argb, int width, int height, float[] unary, int labels, Params params, int threads) {
    return prepare(argb, width, height, params, threads).infer(unary, labels, threads);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public Params params() {
    return params;
  }

  /** Mean-field inference with the prepared image's {@code params().iterations()}. */
  public Result infer(float[] unary, int labels, int threads) {
    return infer(unary, labels, params.iterations(), threads);
  }

  /**
   * Runs {@code iterations} parallel mean-field updates from {@code Q0 = softmax(-U)}: each
   * update is {@code Q ← softmax(-U + w_g K̃_g Q + w_b K̃_b Q)}. {@code unary} holds energies,
   * label-major {@code [labels][pixels]}; see {@link #unaryFromProbabilities} for probabilities.
   */
  public Result infer(float[] unary, int labels, int iterations, int threads) {
    int n = width * height;
    checkUnary(unary, labels, n);
    if (iterations < 0) {
      throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
    }
    try (Parallel par = new Parallel(threads)) {
      MeanField mf = new MeanField(gaussian, bilateral, params, n, labels, par);
      float[] q = mf.run(unary, iterations);
      int[] map = new int[n];
      par.forRange(n, 4096, (from, to) -> labelMap(q, labels, n, map, from, to));
      return new Result(width, height, labels, q, map);
    }
  }

  /**
   * Inference from label probabilities {@code [labels][pixels]} (clipped to [1e-5, 1], then
   * {@code -log}; see {@link #unaryFromProbabilities}) with {@code params().iterations()}.
   */
  public Result inferFromProbabilities(float[] probs, int labels, int threads) {
    return infer(unaryFromProbabilities(probs, labels, width * height), labels, threads);
  }

  /** The Gaussian (smoothness) kernel, for tests of the intermediate filter outputs. */
  DenseKernel gaussianKernel() {
    return gaussian;
  }

  /** The bilateral (appearance) kernel, for tests of the intermediate filter outputs. */
  DenseKernel bilateralKernel() {
    return bilateral;
  }

  /**
   * Unary energies from label probabilities, as pydensecrf's {@code unary_from_softmax(p)}: clip
   * into [1e-5, 1] (no renormalisation), {@code U = -log p} in double, stored as float. Both
   * arrays are label-major {@code [labels][pixels]}. NaN or negative probabilities are refused.
   */
  public static float[] unaryFromProbabilities(float[] probs, int labels, int pixels) {
    if (labels < 1) {
      throw new IllegalArgumentException("need at least one label, got " + labels);
    }
    if (probs == null || probs.length != (long) labels * pixels) {
      throw new IllegalArgumentException(
          "probabilities hold " + (probs == null ? 0 : probs.length) + " values, expected labels*"
              + "pixels = " + labels + "*" + pixels);
    }
    float[] u = new float[probs.length];
    for (int i = 0; i < probs.length; i++) {
      float p = probs[i];
      if (!(p >= 0)) {
        throw new IllegalArgumentException(
            "probability of label " + i / pixels + " at pixel " + i % pixels + " is " + p
                + "; probabilities must be non-negative numbers");
      }
      u[i] = (float) -Math.log(Math.min(1.0, Math.max(1e-5, p)));
    }
    return u;
  }

  /** Per-pixel argmax of label-major {@code q}; on a tie the lowest label wins. */
  public static int[] labelMap(float[] q, int labels, int pixels) {
    int[] map = new int[pixels];
    labelMap(q, labels, pixels, map, 0, pixels);
    return map;
  }

  private static void labelMap(float[] q, int labels, int pixels, int[] map, int from, int to) {
    for (int i = from; i < to; i++) {
      int best = 0;
      float bestQ = q[i];
      for (int l = 1; l < labels; l++) {
        float v = q[l * pixels + i];
        if (v > bestQ) {
          bestQ = v;
          best = l;
        }
      }
      map[i] = best;
    }
  }

  /** Interleaved RGB bytes from packed {@code 0xAARRGGBB} ints (alpha ignored). */
  public static byte[] rgbFromArgb(int[] argb) {
    byte[] rgb = new byte[argb.length * 3];
    for (int i = 0; i < argb.length; i++) {
      rgb[i * 3] = (byte) (argb[i] >>> 16);
      rgb[i * 3 + 1] = (byte) (argb[i] >>> 8);
      rgb[i * 3 + 2] = (byte) argb[i];
    }
    return rgb;
  }

  private static int pixelCount(int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "image size must be at least 1x1, got " + width + "x" + height);
    }
    long n = (long) width * height;
    // The 5-D lattice keeps 6 entries per pixel in int-indexed arrays.
    if (n * 6 > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "image " + width + "x" + height + " is too large for the CRF (at most "
              + (Integer.MAX_VALUE - 16) / 6 + " pixels)");
    }
    return (int) n;
  }

  private static void checkUnary(float[] unary, int labels, int n) {
    if (labels < 1) {
      throw new IllegalArgumentException("need at least one label, got " + labels);
    }
    if (unary == null || unary.length != (long) labels * n) {
      throw new IllegalArgumentException(
          "unary holds " + (unary == null ? 0 : unary.length) + " values, but " + labels
              + " labels x " + n + " pixels needs " + (long) labels * n
              + " (layout [labels][height][width])");
    }
    for (int i = 0; i < unary.length; i++) {
      if (!Float.isFinite(unary[i])) {
        throw new IllegalArgumentException(
            "unary of label " + i / n + " at pixel " + i % n + " is " + unary[i]
                + "; energies must be finite (clip probabilities before taking -log)");
      }
    }
  }
}
