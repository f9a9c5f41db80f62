package dev.unmasked.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDScope;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.scheduler.GaussianNoise;
import dev.unmasked.scheduler.NoiseSource;
import dev.unmasked.scheduler.Scheduler;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.tokenizer.PromptEncoding;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers {@code StableDiffusionPipeline} (text to image), as a numbered recipe. Classifier-free
 * guidance runs the unconditional and the text half in one batch, unconditional first.
 */
public final class StableDiffusionPipeline {
  private final LoadedModel model;
  private final Scheduler scheduler;

  public StableDiffusionPipeline(LoadedModel model, Scheduler scheduler) {
    this.model = model;
    this.scheduler = scheduler;
  }

  public LoadedModel model() {
    return model;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  /** Called after each denoising step (progress bars, previews, tests). */
  @FunctionalInterface
  public interface StepListener {
    /** {@code latents} are the latents after step {@code done} (do not modify). */
    void onStep(int done, int total, float[] latents);
  }

  /** Final latents (before 1/scaling_factor), decoded images in [0,1] and their uint8 form. */
  public record Result(float[] latents, long[] latentShape, float[] images, int[] imageShape,
      byte[] imagesUint8, List<String> warnings) {}

  public Result generate(GenerationRequest r, StepListener listener) {
    // 1. Check inputs.
    int f = model.vaeScaleFactor();
    if (r.height() % f != 0 || r.width() % f != 0 || r.height() <= 0 || r.width() <= 0) {
      throw new IllegalArgumentException("height and width must be positive multiples of " + f
          + " (the VAE factor of this model); got " + r.height() + "x" + r.width());
    }
    if (r.steps() < 1) {
      throw new IllegalArgumentException("steps must be at least 1; got " + r.steps());
    }
    int b = r.numImages();
    int lc = model.unet().config().inChannels();
    long[] latentShape = {b, lc, r.height() / f, r.width() / f};
    int perImage = (int) (lc * latentShape[2] * latentShape[3]);
    if (r.initLatents() != null && r.initLatents().length != b * perImage) {
      throw new IllegalArgumentException("initial latents hold " + r.initLatents().length
          + " values but " + java.util.Arrays.toString(latentShape) + " needs " + b * perImage);
    }
    boolean cfg = r.guidanceScale() > 1.0;
    List<String> warnings = new ArrayList<>();
    try (NDManager m = NDManager.newBaseManager()) {
      // 2. Encode the prompt (and the negative prompt for guidance): [B or 2B, 77, D].
      NDArray text = encode(m, r.prompt(), b, warnings, "prompt");
      NDArray context = text;
      if (cfg) {
        context = encode(m, r.negativePrompt(), b, warnings, "negative prompt").concat(text, 0);
      }
      // 3. Timesteps.
      scheduler.setTimesteps(r.steps());
      // 4. Initial latents, scaled by init_noise_sigma.
      NoiseSource noise = perImageNoise(r.seed(), b, perImage);
      float[] latents = r.initLatents() != null ? r.initLatents().clone() : noise.next(b * perImage);
      float sigma = (float) scheduler.initNoiseSigma();
      for (int i = 0; i < latents.length; i++) {
        latents[i] *= sigma;
      }
      // 5. Denoising loop.
      int n = scheduler.numSteps();
      Shape lat = new Shape(latentShape);
      for (int i = 0; i < n; i++) {
        try (NDScope scope = new NDScope()) {
          float[] in = cfg ? concat(latents, latents) : latents;
          float[] scaled = scheduler.scaleModelInput(in, i);
          NDArray x = m.create(scaled, cfg ? new Shape(2L * b, lat.get(1), lat.get(2), lat.get(3))
              : lat).toType(dtype(), false);
          NDArray t = m.create((float) scheduler.timestepForModel(i));
          float[] out = model.unet().forward(x, t, context, null)
              .toType(DataType.FLOAT32, false).toFloatArray();
          float[] guided = cfg ? guide(out, r.guidanceScale()) : out;
          latents = scheduler.step(guided, i, latents, noise).prevSample();
        }
        if (listener != null) {
          listener.onStep(i + 1, n, latents);
        }
      }
      // 6. Decode: image = clamp(vae.decode(latents / scaling_factor) / 2 + 0.5, 0, 1).
      double scale = model.vae().config().scalingFactor();
      NDArray z = m.create(latents, lat).div(scale).toType(dtype(), false);
      NDArray img = model.vae().decode(z).toType(DataType.FLOAT32, false).div(2).add(0.5)
          .clip(0, 1);
      float[] images = img.toFloatArray();
      byte[] u8 = new byte[images.length];
      for (int i = 0; i < images.length; i++) {
        u8[i] = (byte) Math.round(images[i] * 255f);
      }
      long[] is = img.getShape().getShape();
      return new Result(latents, latentShape, images,
          new int[] {(int) is[0], (int) is[1], (int) is[2], (int) is[3]}, u8, warnings);
    }
  }

  private DataType dtype() {
    return model.unet().parameters().values().iterator().next().getDataType();
  }

  /** Tokenizes (77 ids, padded, truncated with a warning) and encodes; repeats for the batch. */
  private NDArray encode(NDManager m, String prompt, int batch, List<String> warnings,
      String what) {
    CLIPTokenizer tok = model.tokenizer();
    PromptEncoding enc = tok.encodePrompt(prompt);
    if (enc.truncated()) {
      warnings.add("the " + what + " is longer than " + tok.modelMaxLength()
          + " tokens; this part was cut: \"" + enc.droppedText() + "\"");
    }
    int[] ids = enc.inputIds();
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    CLIPTextModel te = model.textEncoder();
    NDArray states = te.forward(m.create(l, new Shape(1, l.length))).lastHiddenState();
    return batch == 1 ? states : states.repeat(0, batch);
  }

  /** uncond + g * (text - uncond), over [2B, ...] with the unconditional half first. */
  static float[] guide(float[] out, double g) {
    int half = out.length / 2;
    float[] res = new float[half];
    float gs = (float) g;
    for (int i = 0; i < half; i++) {
      float u = out[i];
      res[i] = u + gs * (out[half + i] - u);
    }
    return res;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** Image i's draws come from GaussianNoise(seed + i), so one image of a batch can be redone. */
  static NoiseSource perImageNoise(long seed, int images, int perImage) {
    List<GaussianNoise> gens = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      gens.add(new GaussianNoise(seed + i));
    }
    return out -> {
      int per = out.length / images;
      for (int i = 0; i < images; i++) {
        float[] part = new float[per];
        gens.get(i).fill(part);
        System.arraycopy(part, 0, out, i * per, per);
      }
    };
  }
}
