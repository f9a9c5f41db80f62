package dev.unmasked.scheduler;

/**
 * The numpy float64 routines diffusers uses to build timesteps and sigmas, reproduced operation by
 * operation so that the integer timesteps come out identical and the float ones agree to the last
 * float32 bit in all but rare rounding ties.
 */
final class NumpyMath {

  private NumpyMath() {}

  /** {@code np.linspace(start, stop, num)}: {@code i*step + start}, last element set to stop. */
  static double[] linspace(double start, double stop, int num) {
    double[] y = new double[num];
    if (num == 1) {
      y[0] = start;
      return y;
    }
    double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++) {
      y[i] = i * step + start;
    }
    y[num - 1] = stop;
    return y;
  }

  /**
   * {@code np.arange(start, stop, step)} with float arguments: length {@code
   * ceil((stop-start)/step)}, then element i is {@code start + i*delta} with {@code delta =
   * (start+step) - start}. The length can exceed the intended count by one for some steps (numpy
   * behaviour, kept on purpose: e.g. trailing spacing with 61 steps gives 62 timesteps).
   */
  static double[] arange(double start, double stop, double step) {
    int len = (int) Math.max(0, Math.ceil((stop - start) / step));
    double[] y = new double[len];
    if (len == 0) {
      return y;
    }
    y[0] = start;
    double delta = (start + step) - start;
    if (len > 1) {
      y[1] = start + step;
    }
    for (int i = 2; i < len; i++) {
      y[i] = start + i * delta;
    }
    return y;
  }

  /** {@code np.interp(x, np.arange(len(fp)), fp)} in float64. */
  static double[] interp(double[] x, float[] fp) {
    int last = fp.length - 1;
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double xv = x[i];
      if (Double.isNaN(xv)) {
        out[i] = xv;
      } else if (xv <= 0) {
        out[i] = fp[0];
      } else if (xv >= last) {
        out[i] = fp[last];
      } else {
        int j = (int) Math.floor(xv);
        if (j == xv) {
          out[i] = fp[j];
        } else {
          double slope = ((double) fp[j + 1] - fp[j]) / ((j + 1.0) - j);
          out[i] = slope * (xv - j) + fp[j];
        }
      }
    }
    return out;
  }

  /**
   * diffusers' {@code _convert_to_karras}: {@code (max^(1/7) + ramp*(min^(1/7) - max^(1/7)))^7}
   * over {@code ramp = linspace(0, 1, n)}, in float64.
   */
  static double[] karras(double sigmaMin, double sigmaMax, int n) {
    double rho = 7.0;
    double[] ramp = linspace(0, 1, n);
    double minInvRho = Math.pow(sigmaMin, 1 / rho);
    double maxInvRho = Math.pow(sigmaMax, 1 / rho);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
    }
    return out;
  }

  /**
   * diffusers' {@code _sigma_to_t}: the fractional training timestep whose log-sigma brackets
   * {@code log(sigma)}, interpolated linearly; {@code logSigmas} is float32 and increasing. As in
   * numpy, {@code low - high} is a float32 difference while the rest is float64.
   */
  static double sigmaToT(double sigma, float[] logSigmas) {
    double logSigma = Math.log(Math.max(sigma, 1e-10));
    int low = 0;
    for (int i = 0; i < logSigmas.length; i++) {
      if (logSigma - logSigmas[i] >= 0) {
        low = i;
      }
    }
    low = Math.min(low, logSigmas.length - 2);
    int high = low + 1;
    float lowV = logSigmas[low];
    float highV = logSigmas[high];
    double w = (lowV - logSigma) / (double) (lowV - highV);
    w = Math.min(Math.max(w, 0), 1);
    return (1 - w) * low + w * high;
  }

  /** {@code np.log} of a float32 array (float32 result). */
  static float[] logF32(float[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) Math.log(x[i]);
    }
    return out;
  }
}
