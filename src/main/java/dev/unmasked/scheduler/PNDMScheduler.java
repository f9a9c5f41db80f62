package dev.unmasked.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * Pseudo linear multistep (PLMS) sampling, mirroring diffusers 0.25.1 {@code PNDMScheduler} with
 * {@code skip_prk_steps = true} (the Stable Diffusion setting), in float32.
 *
 * <p>{@code n} inference steps make {@code n + 1} model evaluations: the second-highest timestep is
 * repeated (e.g. 751, 501, 501, 251, 1), because the second evaluation re-does the first step with
 * the average of two model outputs. Later steps combine up to four stored outputs with the
 * Adams-Bashforth weights. That history ({@code ets}), the step counter and the stored sample are
 * per-loop state held here and reset by {@link #setTimesteps}; steps must come in order 0, 1, 2...
 *
 * <p>Honours {@code set_alpha_to_one}, {@code steps_offset}, {@code timestep_spacing} and {@code
 * prediction_type} epsilon / v_prediction. The Runge-Kutta warm-up ({@code skip_prk_steps =
 * false}) is refused.
 */
public final class PNDMScheduler extends AbstractScheduler {

  // Per-loop state, reset by setTimesteps. Steps come in order, so the loop index is the counter.
  private final List<float[]> ets = new ArrayList<>();
  private float[] curSample;

  public PNDMScheduler(SchedulerConfig config) {
    super(SchedulerType.PNDM, config);
    Discrete.requirePredictionType(config, "epsilon", "v_prediction");
    Discrete.refuse(
        config,
        !config.skipPrkSteps(),
        "skip_prk_steps",
        "is false (or missing, whose PNDMScheduler default is false): the Runge-Kutta warm-up is"
            + " not supported; set \"skip_prk_steps\": true as Stable Diffusion configs do");
  }

  @Override
  boolean multistep() {
    return true;
  }

  @Override
  double[] planLoop(int n) {
    long[] asc = Discrete.checkRange(config, ascendingTimesteps(n), n);
    // PLMS order: all but the last, the second-to-last again, then the last; reversed.
    List<Long> plms = new ArrayList<>();
    for (int i = 0; i < asc.length - 1; i++) {
      plms.add(asc[i]);
    }
    if (asc.length >= 2) {
      plms.add(asc[asc.length - 2]);
    }
    plms.add(asc[asc.length - 1]);
    double[] timesteps = new double[plms.size()];
    for (int i = 0; i < timesteps.length; i++) {
      timesteps[i] = plms.get(plms.size() - 1 - i);
    }
    ets.clear();
    curSample = null;
    return timesteps;
  }

  private long[] ascendingTimesteps(int n) {
    int numTrain = config.numTrainTimesteps();
    switch (config.timestepSpacing()) {
      case "linspace":
        return Discrete.rint(NumpyMath.linspace(0, numTrain - 1, n));
      case "leading":
        {
          long ratio = numTrain / n;
          long[] t = new long[n];
          for (int i = 0; i < n; i++) {
            t[i] = i * ratio + config.stepsOffset();
          }
          return t;
        }
      case "trailing":
        {
          long[] t =
              Discrete.reverse(
                  Discrete.rint(NumpyMath.arange(numTrain, 0, -((double) numTrain / n))));
          for (int i = 0; i < t.length; i++) {
            t[i] -= 1;
          }
          return t;
        }
      default:
        throw Discrete.spacingError(config);
    }
  }

  @Override
  StepResult stepAt(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    int ratio = stepRatio();
    int t = timestep(i);
    int prevT = t - ratio;
    if (i != 1) {
      while (ets.size() > 3) {
        ets.remove(0);
      }
      ets.add(modelOutput.clone());
    } else {
      prevT = t;
      t = t + ratio;
    }
    int n = sample.length;
    float[] combined = new float[n];
    float[] x = sample;
    int e = ets.size();
    if (e == 1 && i == 0) {
      System.arraycopy(modelOutput, 0, combined, 0, n);
      curSample = sample.clone();
    } else if (e == 1 && i == 1) {
      float[] e1 = ets.get(0);
      for (int k = 0; k < n; k++) {
        combined[k] = (modelOutput[k] + e1[k]) / 2f;
      }
      x = curSample;
      curSample = null;
    } else if (e == 2) {
      float[] e1 = ets.get(1);
      float[] e2 = ets.get(0);
      for (int k = 0; k < n; k++) {
        combined[k] = (3f * e1[k] - e2[k]) / 2f;
      }
    } else if (e == 3) {
      float[] e1 = ets.get(2);
      float[] e2 = ets.get(1);
      float[] e3 = ets.get(0);
      for (int k = 0; k < n; k++) {
        combined[k] = (23f * e1[k] - 16f * e2[k] + 5f * e3[k]) / 12f;
      }
    } else {
      float[] e1 = ets.get(3);
      float[] e2 = ets.get(2);
      float[] e3 = ets.get(1);
      float[] e4 = ets.get(0);
      float w = (float) (1.0 / 24);
      for (int k = 0; k < n; k++) {
        combined[k] = w * (55f * e1[k] - 59f * e2[k] + 37f * e3[k] - 9f * e4[k]);
      }
    }
    return new StepResult(prevSample(x, t, prevT, combined), null);
  }

  /** diffusers {@code _get_prev_sample}: formula (9) of the PNDM paper, in float32. */
  private float[] prevSample(float[] sample, int t, int prevT, float[] modelOutput) {
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod();
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    int n = sample.length;
    float[] eps = modelOutput;
    if (config.predictionType().equals("v_prediction")) {
      float sa = (float) Math.sqrt(alphaProd);
      float sb = (float) Math.sqrt(betaProd);
      eps = new float[n];
      for (int k = 0; k < n; k++) {
        eps[k] = sa * modelOutput[k] + sb * sample[k];
      }
    }
    float sampleCoeff = (float) Math.sqrt(alphaProdPrev / alphaProd);
    float denom =
        alphaProd * (float) Math.sqrt(betaProdPrev)
            + (float) Math.sqrt(alphaProd * betaProd * alphaProdPrev);
    float diff = alphaProdPrev - alphaProd;
    float[] prev = new float[n];
    for (int k = 0; k < n; k++) {
      prev[k] = sampleCoeff * sample[k] - diff * eps[k] / denom;
    }
    return prev;
  }
}
