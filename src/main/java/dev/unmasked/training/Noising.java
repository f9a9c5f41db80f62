package dev.unmasked.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.scheduler.BetaSchedule;

/** The forward diffusion {@code z_t = sqrt(acp[t]) z + sqrt(1 - acp[t]) eps}, per sample. */
public final class Noising {
  private Noising() {}

  public static NDArray addNoise(BetaSchedule sched, NDArray z, NDArray eps, long[] t) {
    int b = t.length;
    float[] a = new float[b];
    float[] s = new float[b];
    for (int i = 0; i < b; i++) {
      float acp = sched.alphaCumprod((int) t[i]);
      a[i] = (float) Math.sqrt(acp);
      s[i] = (float) Math.sqrt(1 - acp);
    }
    NDManager m = z.getManager();
    Shape col = new Shape(b, 1, 1, 1);
    return z.mul(m.create(a, col)).add(eps.mul(m.create(s, col)));
  }

  /** v-prediction target {@code sqrt(acp) eps - sqrt(1 - acp) z}. */
  public static NDArray velocity(BetaSchedule sched, NDArray z, NDArray eps, long[] t) {
    int b = t.length;
    float[] a = new float[b];
    float[] s = new float[b];
    for (int i = 0; i < b; i++) {
      float acp = sched.alphaCumprod((int) t[i]);
      a[i] = (float) Math.sqrt(acp);
      s[i] = (float) Math.sqrt(1 - acp);
    }
    NDManager m = z.getManager();
    Shape col = new Shape(b, 1, 1, 1);
    return eps.mul(m.create(a, col)).sub(z.mul(m.create(s, col)));
  }
}
