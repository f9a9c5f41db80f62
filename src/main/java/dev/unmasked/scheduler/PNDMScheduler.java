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
public final class PNDMScheduler implements Scheduler {

  private final SchedulerConfig config;
  private final BetaSchedule schedule;
  private final float finalAlphaCumprod;
  private long[] timesteps = new long[0];
  private int numInferenceSteps;
  // Per-loop state, reset by setTimesteps.
  private final List<float[]> ets = new ArrayList<>();
  private int counter;
  private float[] curSample;

  public PNDMScheduler(SchedulerConfig config) {
    this.config = config;
    this.schedule = Discrete.betas(config);
    Discrete.requireOneOf(
        config, "prediction_type", config.predictionType(), List.of("epsilon", "v_prediction"));
    Discrete.refuse(
        config,
        !config.skipPrkSteps(),
        "skip_prk_steps",
        "is false (or missing, whose PNDMScheduler default is false): the Runge-Kutta warm-up is"
            + " not supported; set \"skip_prk_steps\": true as Stable Diffusion configs do");
    this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0f : schedule.alphaCumprod(0);
  }

  @Override
  public String name() {
    return SchedulerType.PNDM.shortName();
  }

  @Override
  public String className() {
    return SchedulerType.PNDM.className();
  }

  @Override
  public SchedulerConfig config() {
    return config;
  }

  @Override
  public void setTimesteps(int n) {
    Discrete.checkSteps(config, n);
    this.numInferenceSteps = n;
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
    this.timesteps = new long[plms.size()];
    for (int i = 0; i < timesteps.length; i++) {
      timesteps[i] = plms.get(plms.size() - 1 - i);
    }
    ets.clear();
    counter = 0;
    curSample = null;
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
  public double[] timesteps() {
    return Discrete.toDouble(timesteps);
  }

  @Override
  public int numSteps() {
    return timesteps.length;
  }

  @Override
  public double timestepForModel(int i) {
    Discrete.checkIndex(i, timesteps.length);
    return timesteps[i];
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  public float[] scaleModelInput(float[] sample, int i) {
    return sample;
  }

  @Override
  public StepResult step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
    Discrete.checkIndex(i, timesteps.length);
    Discrete.checkSameLength(modelOutput, sample);
    if (i != counter) {
      throw new IllegalStateException(
          "PNDM steps must run in order: expected step " + counter + ", got " + i
              + " (call setTimesteps to start a new loop)");
    }
    int ratio = config.numTrainTimesteps() / numInferenceSteps;
    long t = timesteps[i];
    long prevT = t - ratio;
    if (counter != 1) {
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
    if (e == 1 && counter == 0) {
      System.arraycopy(modelOutput, 0, combined, 0, n);
      curSample = sample.clone();
    } else if (e == 1 && counter == 1) {
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
    float[] prev = prevSample(x, (int) t, (int) prevT, combined);
    counter++;
    return new StepResult(prev, null);
  }

  /** diffusers {@code _get_prev_sample}: formula (9) of the PNDM paper, in float32. */
  private float[] prevSample(float[] sample, int t, int prevT, float[] modelOutput) {
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
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
