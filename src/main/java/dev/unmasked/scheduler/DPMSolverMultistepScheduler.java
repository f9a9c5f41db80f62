package dev.unmasked.scheduler;

import java.util.List;

/**
 * DPM-Solver++ (2M by default), mirroring diffusers 0.25.1 {@code DPMSolverMultistepScheduler} with
 * {@code algorithm_type = dpmsolver++}, {@code solver_order} 1 or 2, float32 step math as in torch.
 *
 * <p>Each step converts the model output to an x0 prediction, then takes a first-order step (the
 * first step, and the last one when {@code lower_order_final} holds for fewer than 15 steps or
 * {@code euler_at_final} is set) or a second-order multistep update using the previous step's x0
 * ({@code solver_type} midpoint or heun). That history and the step counter are per-loop state
 * reset by {@link #setTimesteps}; steps must come in order 0, 1, 2...
 *
 * <p>Honours {@code timestep_spacing}, {@code steps_offset}, {@code use_karras_sigmas} (with
 * {@code sigma_min}/{@code sigma_max}), {@code lambda_min_clipped}, {@code prediction_type}, and
 * {@code final_sigmas_type} ({@code sigma_min}, 0.25.1's behaviour and the default; or {@code
 * zero}, from later diffusers versions, which ends on the x0 prediction). Refuses the SDE and
 * non-++ variants, order 3, Lu lambdas, learned variance and thresholding.
 */
public final class DPMSolverMultistepScheduler extends AbstractScheduler {

  private final float[] trainSigmas;
  private final float[] lambdas;
  private final int solverOrder;
  private final boolean heun;
  private float[] sigmas = new float[0];
  // Per-loop state, reset by setTimesteps: x0 predictions of the last solverOrder steps.
  private float[][] modelOutputs;
  private int lowerOrderNums;

  public DPMSolverMultistepScheduler(SchedulerConfig config) {
    super(SchedulerType.DPMPP_2M, config);
    Discrete.requirePredictionType(config, "epsilon", "v_prediction", "sample");
    // diffusers maps deis to dpmsolver++, and logrho/bh1/bh2 to midpoint.
    Discrete.requireOneOf(
        config, "algorithm_type", config.algorithmType(), List.of("dpmsolver++", "deis"));
    Discrete.requireOneOf(
        config,
        "solver_type",
        config.solverType(),
        List.of("midpoint", "heun", "logrho", "bh1", "bh2"));
    Discrete.requireOneOf(
        config, "solver_order", String.valueOf(config.solverOrder()), List.of("1", "2"));
    Discrete.requireOneOf(
        config, "final_sigmas_type", config.finalSigmasType(), List.of("sigma_min", "zero"));
    Discrete.refuse(
        config, config.useLuLambdas(), "use_lu_lambdas", "is true, which is not supported");
    Discrete.refuse(
        config,
        config.varianceType() != null,
        "variance_type",
        "is '" + config.varianceType() + "'; learned variance is not supported, use null");
    Discrete.refuseThresholding(config);
    this.trainSigmas = trainingSigmas();
    this.lambdas = new float[trainSigmas.length];
    for (int t = 0; t < lambdas.length; t++) {
      float a = schedule.alphaCumprod(t);
      lambdas[t] = lambda((float) Math.sqrt(a), (float) Math.sqrt(1f - a));
    }
    this.solverOrder = config.solverOrder();
    this.heun = config.solverType().equals("heun");
    this.modelOutputs = new float[solverOrder][];
  }

  @Override
  boolean multistep() {
    return true;
  }

  @Override
  double[] planLoop(int n) {
    int numTrain = config.numTrainTimesteps();
    int last = numTrain - clippedIndex();
    long[] ts;
    switch (config.timestepSpacing()) {
      case "linspace":
        {
          long[] all = Discrete.rint(NumpyMath.linspace(0, last - 1, n + 1));
          ts = new long[n];
          for (int i = 0; i < n; i++) {
            ts[i] = all[n - i];
          }
          break;
        }
      case "leading":
        {
          long ratio = last / (n + 1);
          ts = new long[n];
          for (int i = 0; i < n; i++) {
            ts[i] = (n - i) * ratio + config.stepsOffset();
          }
          break;
        }
      case "trailing":
        {
          ts = Discrete.rint(NumpyMath.arange(last, 0, -((double) numTrain / n)));
          for (int i = 0; i < ts.length; i++) {
            ts[i] -= 1;
          }
          break;
        }
      default:
        throw Discrete.spacingError(config);
    }
    double[] sig;
    float finalSigma;
    if (config.useKarrasSigmas()) {
      double sigmaMin = config.sigmaMin() != null ? config.sigmaMin() : trainSigmas[0];
      double sigmaMax =
          config.sigmaMax() != null ? config.sigmaMax() : trainSigmas[trainSigmas.length - 1];
      sig = NumpyMath.karras(sigmaMin, sigmaMax, n);
      float[] logSigmas = NumpyMath.logF32(trainSigmas);
      ts = new long[n];
      for (int i = 0; i < n; i++) {
        ts[i] = (long) Math.rint(NumpyMath.sigmaToT(sig[i], logSigmas));
      }
      finalSigma = (float) sig[n - 1];
    } else {
      sig = NumpyMath.interp(Discrete.toDouble(ts), trainSigmas);
      finalSigma = trainSigmas[0];
    }
    if (config.finalSigmasType().equals("zero")) {
      finalSigma = 0f;
    }
    Discrete.checkRange(config, ts, n);
    this.sigmas = new float[sig.length + 1];
    for (int i = 0; i < sig.length; i++) {
      sigmas[i] = (float) sig[i];
    }
    sigmas[sig.length] = finalSigma;
    this.modelOutputs = new float[solverOrder][];
    this.lowerOrderNums = 0;
    return Discrete.toDouble(ts);
  }

  /** {@code searchsorted(flip(lambda_t), lambda_min_clipped)}: 0 unless clipping is configured. */
  private int clippedIndex() {
    float limit = (float) config.lambdaMinClipped();
    int count = 0;
    for (float l : lambdas) {
      if (l < limit) {
        count++;
      }
    }
    return count;
  }

  /** The loop's sigmas, float32, {@code numSteps() + 1} entries (a copy). */
  public float[] sigmas() {
    return sigmas.clone();
  }

  @Override
  StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    int len = numSteps();
    boolean lowerOrderFinal =
        i == len - 1
            && (config.eulerAtFinal()
                || (config.lowerOrderFinal() && len < 15)
                || config.finalSigmasType().equals("zero"));
    float[] x0 = convertModelOutput(modelOutput, sample, sigmas[i]);
    System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
    modelOutputs[solverOrder - 1] = x0;
    float[] prev =
        solverOrder == 1 || lowerOrderNums < 1 || lowerOrderFinal
            ? firstOrderUpdate(x0, sample, i)
            : secondOrderUpdate(sample, i);
    if (lowerOrderNums < solverOrder) {
      lowerOrderNums++;
    }
    return new StepResult(prev, null);
  }

  private float[] convertModelOutput(float[] modelOutput, float[] sample, float sigma) {
    float alpha = alphaOf(sigma);
    float sigmaT = sigma * alpha;
    int n = sample.length;
    float[] x0 = new float[n];
    for (int k = 0; k < n; k++) {
      switch (config.predictionType()) {
        case "epsilon":
          x0[k] = (sample[k] - sigmaT * modelOutput[k]) / alpha;
          break;
        case "sample":
          x0[k] = modelOutput[k];
          break;
        default: // v_prediction
          x0[k] = alpha * sample[k] - sigmaT * modelOutput[k];
      }
    }
    return x0;
  }

  private float[] firstOrderUpdate(float[] x0, float[] sample, int i) {
    float alphaT = alphaOf(sigmas[i + 1]);
    float sigmaT = sigmas[i + 1] * alphaT;
    float alphaS = alphaOf(sigmas[i]);
    float sigmaS = sigmas[i] * alphaS;
    float h = lambda(alphaT, sigmaT) - lambda(alphaS, sigmaS);
    float sampleCoeff = sigmaT / sigmaS;
    float x0Coeff = alphaT * ((float) Math.exp(-h) - 1.0f);
    float[] out = new float[sample.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = sampleCoeff * sample[k] - x0Coeff * x0[k];
    }
    return out;
  }

  private float[] secondOrderUpdate(float[] sample, int i) {
    float alphaT = alphaOf(sigmas[i + 1]);
    float sigmaT = sigmas[i + 1] * alphaT;
    float alphaS0 = alphaOf(sigmas[i]);
    float sigmaS0 = sigmas[i] * alphaS0;
    float alphaS1 = alphaOf(sigmas[i - 1]);
    float sigmaS1 = sigmas[i - 1] * alphaS1;
    float lambdaT = lambda(alphaT, sigmaT);
    float lambdaS0 = lambda(alphaS0, sigmaS0);
    float lambdaS1 = lambda(alphaS1, sigmaS1);
    float[] m0 = modelOutputs[solverOrder - 1];
    float[] m1 = modelOutputs[solverOrder - 2];
    float h = lambdaT - lambdaS0;
    float h0 = lambdaS0 - lambdaS1;
    float r0 = h0 / h;
    float invR0 = 1.0f / r0;
    float expm1 = (float) Math.exp(-h) - 1.0f; // torch computes exp(-h) - 1.0, not expm1
    float sampleCoeff = sigmaT / sigmaS0;
    float d0Coeff = alphaT * expm1;
    float d1Coeff = heun ? alphaT * (expm1 / h + 1.0f) : 0.5f * (alphaT * expm1);
    float[] out = new float[sample.length];
    for (int k = 0; k < out.length; k++) {
      float d1 = invR0 * (m0[k] - m1[k]);
      float x = sampleCoeff * sample[k] - d0Coeff * m0[k];
      out[k] = heun ? x + d1Coeff * d1 : x - d1Coeff * d1;
    }
    return out;
  }

  /** {@code 1 / sqrt(sigma^2 + 1)} in float32 (diffusers' {@code _sigma_to_alpha_sigma_t}). */
  private static float alphaOf(float sigma) {
    return 1.0f / (float) Math.sqrt(sigma * sigma + 1f);
  }

  private static float lambda(float alpha, float sigma) {
    return (float) Math.log(alpha) - (float) Math.log(sigma);
  }
}
