package dev.unmasked.toyworld.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The judge's CNN: six 3x3 convolutions (four of stride 2, 64 -> 4 px), each followed by
 * GroupNorm(8) and ReLU; a 128-d feature layer; one linear head whose 55 logits are sliced into the
 * outputs listed in {@link Head}. All conv output channel counts are multiples of 16 (RUNTIME.md
 * pitfall 1). Weights are plain NDArrays named like module attributes ({@code convs.3.weight},
 * {@code norms.3.bias}, {@code fc.weight}, {@code head.weight}).
 *
 * <p>Input {@code [B, 3, 64, 64]} in [-1, 1]; {@link #forward} returns {@code [B, 128]} features and
 * {@code [B, 55]} logits.
 */
public final class JudgeNet {

  /** Output channels and stride of each 3x3 convolution. */
  static final int[][] CONVS = {{32, 2}, {64, 2}, {64, 1}, {128, 2}, {128, 1}, {128, 2}};

  static final int GROUPS = 8;
  static final int FEATURES = 128;
  static final int FINAL_SIDE = 4;

  /** Slices of the logit vector. */
  public enum Head {
    BACKGROUND(0, 8),
    SHAPE(8, 10),
    COLOR(18, 10),
    PATTERN(28, 4),
    SHAPES_PRESENT(32, 10),
    COLORS_PRESENT(42, 10),
    COUNT(52, 3);

    final int start;
    final int size;

    Head(int start, int size) {
      this.start = start;
      this.size = size;
    }
  }

  static final int LOGITS = 55;

  private final Map<String, NDArray> params;

  JudgeNet(Map<String, NDArray> params) {
    this.params = params;
  }

  /** Parameter names and shapes, in a fixed order. */
  static Map<String, long[]> shapes() {
    Map<String, long[]> s = new LinkedHashMap<>();
    int cin = 3;
    for (int i = 0; i < CONVS.length; i++) {
      int cout = CONVS[i][0];
      s.put("convs." + i + ".weight", new long[] {cout, cin, 3, 3});
      s.put("convs." + i + ".bias", new long[] {cout});
      s.put("norms." + i + ".weight", new long[] {cout});
      s.put("norms." + i + ".bias", new long[] {cout});
      cin = cout;
    }
    s.put("fc.weight", new long[] {FEATURES, (long) cin * FINAL_SIDE * FINAL_SIDE});
    s.put("fc.bias", new long[] {FEATURES});
    s.put("head.weight", new long[] {LOGITS, FEATURES});
    s.put("head.bias", new long[] {LOGITS});
    return s;
  }

  /** He-normal weights, zero biases, unit norm scales, from {@code seed}. */
  static Map<String, float[]> initialValues(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes().entrySet()) {
      long[] shape = e.getValue();
      int n = 1;
      for (long d : shape) {
        n *= (int) d;
      }
      float[] v = new float[n];
      String name = e.getKey();
      if (name.endsWith(".weight") && name.startsWith("norms.")) {
        java.util.Arrays.fill(v, 1f);
      } else if (name.endsWith(".weight")) {
        double std = Math.sqrt(2.0 / (n / shape[0]));
        if (name.startsWith("head.")) {
          std *= 0.1;
        }
        for (int i = 0; i < n; i++) {
          v[i] = (float) (rng.nextGaussian() * std);
        }
      }
      out.put(name, v);
    }
    return out;
  }

  /** Creates the parameter arrays in {@code manager}. */
  static JudgeNet create(NDManager manager, Map<String, float[]> values) {
    Map<String, NDArray> p = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes().entrySet()) {
      float[] v = values.get(e.getKey());
      if (v == null) {
        throw new IllegalArgumentException("judge weights lack '" + e.getKey() + "'");
      }
      if (v.length != new Shape(e.getValue()).size()) {
        throw new IllegalArgumentException("judge weight '" + e.getKey() + "' has " + v.length
            + " values, expected shape " + new Shape(e.getValue()));
      }
      p.put(e.getKey(), manager.create(v, new Shape(e.getValue())));
    }
    return new JudgeNet(p);
  }

  Map<String, NDArray> params() {
    return params;
  }

  /** Result of a forward pass. */
  record Output(NDArray features, NDArray logits) {}

  /** Forward pass; {@code x} is {@code [B, 3, 64, 64]} in [-1, 1]. */
  Output forward(NDArray x) {
    NDArray h = x; // [B, 3, 64, 64]
    for (int i = 0; i < CONVS.length; i++) {
      int stride = CONVS[i][1];
      h = Conv2d.conv2d(h, params.get("convs." + i + ".weight"), params.get("convs." + i + ".bias"),
          new Shape(stride, stride), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
      h = Activation.relu(groupNorm(h, params.get("norms." + i + ".weight"), params.get("norms." + i + ".bias")));
    } // [B, 128, 4, 4]
    long b = h.getShape().get(0);
    NDArray flat = h.reshape(b, -1); // [B, 2048]
    NDArray features = flat.matMul(params.get("fc.weight").transpose()).add(params.get("fc.bias")); // [B, 128]
    NDArray logits = Activation.relu(features).matMul(params.get("head.weight").transpose())
        .add(params.get("head.bias")); // [B, 55]
    return new Output(features, logits);
  }

  /** GroupNorm over {@link #GROUPS} groups with per-channel affine, eps 1e-5 (as torch.nn.GroupNorm). */
  static NDArray groupNorm(NDArray x, NDArray gamma, NDArray beta) {
    Shape s = x.getShape(); // [B, C, H, W]
    long c = s.get(1);
    NDArray g = x.reshape(s.get(0), GROUPS, -1);
    NDArray mean = g.mean(new int[] {2}, true);
    NDArray centered = g.sub(mean);
    NDArray var = centered.square().mean(new int[] {2}, true);
    NDArray normed = centered.div(var.add(1e-5f).sqrt()).reshape(s);
    return normed.mul(gamma.reshape(1, c, 1, 1)).add(beta.reshape(1, c, 1, 1));
  }
}
