package dev.unmasked.scheduler;

/**
 * The training noise schedule shared by every scheduler: {@code betas}, {@code alphas = 1 - betas}
 * and {@code alphas_cumprod}, each of length {@code num_train_timesteps}, computed bit-for-bit as
 * diffusers 0.25.1 computes them on CPU with torch 1.13 in float32.
 *
 * <p>Three torch details matter for bit-exactness (checked against the golden {@code betas} and
 * {@code alphas_cumprod}): {@code torch.linspace(..., dtype=float32)} computes each element as
 * {@code start + step*i} (first half) or {@code end - step*(steps-1-i)} (second half) with the
 * multiply-add fused, and its AVX2 kernel writes 8 elements at a time from one such base plus
 * {@code k*step}; {@code ** 2} is a float32 square; and {@code torch.cumprod} on CPU accumulates in
 * float64 and rounds each prefix product to float32.
 *
 * <p>Also provides {@code add_noise} and {@code get_velocity} (identical in DDPMScheduler,
 * DDIMScheduler and PNDMScheduler) over flat arrays.
 */
public final class BetaSchedule {

  private static final int TORCH_FLOAT_VECTOR = 8;

  private final float[] betas;
  private final float[] alphas;
  private final float[] alphasCumprod;

  private BetaSchedule(float[] betas) {
    this.betas = betas;
    this.alphas = new float[betas.length];
    this.alphasCumprod = new float[betas.length];
    double cum = 1.0;
    for (int i = 0; i < betas.length; i++) {
      alphas[i] = 1.0f - betas[i];
      cum *= alphas[i];
      alphasCumprod[i] = (float) cum;
    }
  }

  /**
   * Builds the schedule from {@code beta_schedule} (linear, scaled_linear, squaredcos_cap_v2) or
   * {@code trained_betas} when present. {@code rescale_betas_zero_snr} is refused by the callers.
   */
  public static BetaSchedule of(SchedulerConfig c) {
    int n = c.numTrainTimesteps();
    if (c.trainedBetas() != null) {
      float[] b = new float[c.trainedBetas().length];
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) c.trainedBetas()[i];
      }
      return new BetaSchedule(b);
    }
    switch (c.betaSchedule()) {
      case "linear":
        return new BetaSchedule(torchLinspace((float) c.betaStart(), (float) c.betaEnd(), n));
      case "scaled_linear":
        {
          float[] b =
              torchLinspace((float) Math.sqrt(c.betaStart()), (float) Math.sqrt(c.betaEnd()), n);
          for (int i = 0; i < n; i++) {
            b[i] = b[i] * b[i];
          }
          return new BetaSchedule(b);
        }
      case "squaredcos_cap_v2":
        return new BetaSchedule(squaredCosCapV2(n));
      default:
        throw c.error(
            "beta_schedule",
            "'" + c.betaSchedule()
                + "' is not supported; use linear, scaled_linear or squaredcos_cap_v2");
    }
  }

  /** Length num_train_timesteps, float32 values. Returns a copy. */
  public float[] betas() {
    return betas.clone();
  }

  /** Length num_train_timesteps, float32 values. Returns a copy. */
  public float[] alphasCumprod() {
    return alphasCumprod.clone();
  }

  /** {@code alphas_cumprod[t]} without copying. */
  public float alphaCumprod(int t) {
    return alphasCumprod[t];
  }

  public int size() {
    return betas.length;
  }

  /**
   * {@code sqrt(acp[t]) * x0 + sqrt(1 - acp[t]) * noise}, one timestep per batch item: {@code x0}
   * and {@code noise} are [B, ...] flattened, {@code timesteps} is [B].
   */
  public float[] addNoise(float[] x0, float[] noise, long[] timesteps) {
    return combine(x0, noise, timesteps, false);
  }

  /** The v-prediction target {@code sqrt(acp[t]) * noise - sqrt(1 - acp[t]) * sample}. */
  public float[] getVelocity(float[] sample, float[] noise, long[] timesteps) {
    return combine(sample, noise, timesteps, true);
  }

  private float[] combine(float[] x, float[] noise, long[] timesteps, boolean velocity) {
    if (x.length != noise.length) {
      throw new IllegalArgumentException(
          "sample has " + x.length + " elements but noise has " + noise.length);
    }
    if (timesteps.length == 0 || x.length % timesteps.length != 0) {
      throw new IllegalArgumentException(
          x.length + " elements cannot be split into " + timesteps.length + " batch items");
    }
    int per = x.length / timesteps.length;
    float[] out = new float[x.length];
    for (int b = 0; b < timesteps.length; b++) {
      long t = timesteps[b];
      if (t < 0 || t >= alphasCumprod.length) {
        throw new IllegalArgumentException(
            "timestep " + t + " is outside 0.." + (alphasCumprod.length - 1));
      }
      float acp = alphasCumprod[(int) t];
      float sqrtAlpha = (float) Math.sqrt(acp);
      float sqrtOneMinus = (float) Math.sqrt(1f - acp);
      for (int i = b * per; i < (b + 1) * per; i++) {
        out[i] =
            velocity
                ? sqrtAlpha * noise[i] - sqrtOneMinus * x[i]
                : sqrtAlpha * x[i] + sqrtOneMinus * noise[i];
      }
    }
    return out;
  }

  /** torch 1.13 CPU {@code linspace(start, end, steps, dtype=float32)}, see the class comment. */
  static float[] torchLinspace(float start, float end, int steps) {
    float[] out = new float[steps];
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (float) (steps - 1);
    int halfway = steps / 2;
    // The vectorised loop covers whole blocks of two vectors; the tail uses the scalar formula.
    int vectorEnd = steps / (2 * TORCH_FLOAT_VECTOR) * (2 * TORCH_FLOAT_VECTOR);
    for (int idx = 0; idx < vectorEnd; idx += TORCH_FLOAT_VECTOR) {
      float base = linspaceElement(start, end, step, steps, halfway, idx);
      for (int k = 0; k < TORCH_FLOAT_VECTOR; k++) {
        out[idx + k] = Math.fma((float) k, step, base);
      }
    }
    for (int idx = vectorEnd; idx < steps; idx++) {
      out[idx] = linspaceElement(start, end, step, steps, halfway, idx);
    }
    return out;
  }

  private static float linspaceElement(
      float start, float end, float step, int steps, int halfway, int idx) {
    return idx < halfway
        ? Math.fma(step, (float) idx, start)
        : Math.fma(-step, (float) (steps - idx - 1), end);
  }

  /** diffusers' {@code betas_for_alpha_bar} (cosine, max_beta 0.999), in float64 then float32. */
  private static float[] squaredCosCapV2(int n) {
    float[] b = new float[n];
    for (int i = 0; i < n; i++) {
      double t1 = (double) i / n;
      double t2 = (double) (i + 1) / n;
      b[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
    }
    return b;
  }

  private static double alphaBar(double t) {
    double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }
}
