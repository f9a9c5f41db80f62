package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.scheduler.BetaSchedule;

/** The forward diffusion {@code z_t = sqrt(acp[t]) z + sqrt(1 - acp[t]) eps}, per sample. */
public final class Noising {
  private Noising() {}

  public static NDArray addNoise(BetaSchedule sched, NDArray z, NDArray eps, long[] t) {
    NDArray[] c = coefficients(sched, z.getManager(), t);
    return z.mul(c[0]).add(eps.mul(c[1]));
  }

  /** v-prediction target {@code sqrt(acp) eps - sqrt(1 - acp) z}. */
  public static NDArray velocity(BetaSchedule sched, NDArray z, NDArray eps, long[] t) {
    NDArray[] c = coefficients(sched, z.getManager(), t);
    return eps.mul(c[0]).sub(z.mul(c[1]));
  }

  /** {@code sqrt(acp[t])} and {@code sqrt(1 - acp[t])} as [B, 1, 1, 1] columns. */
  private static NDArray[] coefficients(BetaSchedule sched, NDManager m, long[] t) {
    int b = t.length;
    float[] a = new float[b];
    float[] s = new float[b];
    for (int i = 0; i < b; i++) {
      float acp = sched.alphaCumprod((int) t[i]);
      a[i] = (float) Math.sqrt(acp);
      s[i] = (float) Math.sqrt(1 - acp);
    }
    Shape col = new Shape(b, 1, 1, 1);
    return new NDArray[] {m.create(a, col), m.create(s, col)};
  }
}
