package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.adapters.Embedding;
import dev.unmasked.adapters.EmbeddingFiles;
import dev.unmasked.adapters.Embeddings;
import dev.unmasked.adapters.Lora;
import dev.unmasked.adapters.LoraFiles;
import dev.unmasked.adapters.LoraWeights;
import dev.unmasked.console.ProgressBar;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.TensorInfo;
import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Scheduler;
import dev.unmasked.scheduler.Schedulers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked generate}: text to image on any SD 1.x/2.x model. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate images from a prompt (diffusers StableDiffusionPipeline semantics).")
public final class GenerateCommand implements Callable<Integer> {

  @picocli.CommandLine.Mixin ModelOptions modelOptions;

  @Option(names = "--prompt", required = true)
  String prompt;

  @Option(names = "--negative-prompt", defaultValue = "")
  String negativePrompt;

  @Option(names = "--steps",
      description = "denoising steps (default: the model's generation_defaults.json, else 30)")
  Integer stepsOption;
  int steps;

  @Option(names = "--guidance",
      description = "classifier-free guidance scale (default: the model's generation_defaults.json, else 7.5)")
  Double guidanceOption;
  double guidance;

  @Option(names = "--scheduler",
      description = "ddim, euler, euler-a, pndm, dpmpp-2m (default: the model's scheduler_config)")
  String scheduler;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(names = "--height", description = "pixels (default: the UNet's sample_size x VAE factor)")
  Integer height;

  @Option(names = "--width", description = "pixels (default: as height)")
  Integer width;

  @Option(names = "--num-images", defaultValue = "1")
  int numImages;

  @Option(names = "--init-latents",
      description = "safetensors file with one tensor [N,4,h,w]: unscaled N(0,1) starting noise")
  Path initLatents;

  @Option(names = "--save-latents", description = "write the final latents [N,4,h,w] here")
  Path saveLatents;

  @Option(names = "--embeddings", paramLabel = "FILE[=TOKEN]",
      description = "textual-inversion embedding (diffusers learned_embeds, A1111/kohya "
          + "emb_params .safetensors, A1111 .pt); repeatable. =TOKEN names its prompt word "
          + "(default: the file's token, or the file name for A1111 files)")
  List<String> embeddings = new ArrayList<>();

  @Option(names = "--concepts", paramLabel = "RUN",
      description = "a learn run folder: its embeddings (and LoRA, when phase 2 ran); the run's "
          + "model unless --model is given")
  Path concepts;

  @Option(names = "--lora", paramLabel = "FILE",
      description = "LoRA .safetensors (kohya, diffusers or PEFT naming) merged into the weights; "
          + "repeatable")
  List<Path> loras = new ArrayList<>();

  @Option(names = "--lora-scale", paramLabel = "S",
      description = "strength of every --lora (default 1.0 = as trained)")
  Double loraScale;

  @Option(names = "--out", defaultValue = "image.png",
      description = "PNG path; with several images -0, -1, ... is added before .png")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path model = modelOptions.model == null && concepts != null ? runModel(concepts)
        : modelOptions.resolve();
    Path configDir = modelOptions.configDir;
    long t0 = System.nanoTime();
    if (numImages < 1) {
      throw new UserError("--num-images must be at least 1; got " + numImages);
    }
    // Defaults a model folder ships with (the embedded model's measured best), then the usual ones.
    dev.unmasked.eval.GenerationDefaults fromModel = java.nio.file.Files.isDirectory(model)
        && java.nio.file.Files.isRegularFile(model.resolve(dev.unmasked.eval.GenerationDefaults.FILE))
        ? dev.unmasked.eval.GenerationDefaults.read(model) : null;
    steps = stepsOption != null ? stepsOption : fromModel != null ? fromModel.steps() : 30;
    guidance = guidanceOption != null ? guidanceOption : fromModel != null ? fromModel.guidance() : 7.5;
    if (scheduler == null && fromModel != null) {
      scheduler = fromModel.scheduler();
    }
    if (steps < 1) {
      throw new UserError("--steps must be at least 1; got " + steps);
    }
    if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      throw new UserError("--out " + out + ": give a file name ending in .png");
    }
    checkWritableFolder(out, "--out");
    if (saveLatents != null) {
      checkWritableFolder(saveLatents, "--save-latents");
    }
    float[] init = initLatents == null ? null : readInitLatents(initLatents);
    if (loraScale != null && (loras.isEmpty() || !Double.isFinite(loraScale))) {
      throw new UserError("--lora-scale " + loraScale + ": " + (loras.isEmpty()
          ? "give the LoRA with --lora FILE" : "must be a finite number"));
    }
    // Read the adapter files before the model, so a bad file fails fast.
    List<Embedding> embeds = readEmbeddings(embeddings);
    List<LoraWeights> loraWeights = new ArrayList<>();
    if (concepts != null) {
      embeds.addAll(EmbeddingFiles.read(concepts.resolve("learned_embeds.safetensors"), null));
      Path lora = concepts.resolve("pytorch_lora_weights.safetensors");
      if (Files.isRegularFile(lora)) {
        loraWeights.add(LoraFiles.read(lora));
      }
    }
    for (Path p : loras) {
      loraWeights.add(LoraFiles.read(p));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = LoadedModel.load(model, configDir, m, DataType.FLOAT32);
      for (Embeddings.Added a : Embeddings.apply(lm, embeds)) {
        String t = a.embedding().token();
        System.err.println("embedding '" + t + "' (" + a.tokens().size() + " vector(s)) from "
            + a.embedding().describe());
        if (!prompt.contains(t) && !negativePrompt.contains(t)) {
          System.err.println("warning: the prompt does not use the embedding's token '" + t + "'");
        }
      }
      double strength = loraScale == null ? 1.0 : loraScale;
      Lora.mergeAll(lm, loraWeights, strength);
      for (LoraWeights lw : loraWeights) {
        System.err.println("LoRA " + lw.source() + ": " + lw.modules().size()
            + " module(s) merged at scale " + strength);
      }
      Scheduler sch;
      try {
        sch = Schedulers.fromConfig(lm.schedulerConfig(), scheduler);
      } catch (IllegalArgumentException e) {
        throw new UserError("--scheduler " + scheduler + ": " + e.getMessage());
      }
      int f = lm.vaeScaleFactor();
      int h = height != null ? height : lm.unet().config().sampleSize() * f;
      int w = width != null ? width : (height != null ? height : h);
      if (h % f != 0 || w % f != 0 || h <= 0 || w <= 0) {
        throw new UserError("--height/--width " + h + "x" + w + " must be positive multiples of "
            + f + " (this model's VAE factor)");
      }
      GenerationRequest req = new GenerationRequest(prompt, negativePrompt, steps, guidance, h, w,
          numImages, seed, init);
      // Multi-vector embeddings need "<tok>" spelled "<tok> <tok>_1 ..." (diffusers'
      // maybe_convert_prompt); the PNG keeps the prompt as the user wrote it.
      GenerationRequest run = new GenerationRequest(
          Embeddings.convertPrompt(lm.tokenizer(), prompt),
          Embeddings.convertPrompt(lm.tokenizer(), negativePrompt), steps, guidance, h, w,
          numImages, seed, init);
      StableDiffusionPipeline pipe = new StableDiffusionPipeline(lm, sch);
      double loadSec = (System.nanoTime() - t0) / 1e9;
      ProgressBar bar = new ProgressBar("denoising", steps, System.err);
      long g0 = System.nanoTime();
      StableDiffusionPipeline.Result res;
      try {
        res = pipe.generate(run, (done, total, latents) -> {
          bar.setTotal(total);
          bar.update(done);
        });
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      for (String warning : res.warnings()) {
        System.err.println("warning: " + warning);
      }
      double genSec = (System.nanoTime() - g0) / 1e9;
      List<Path> written = new ArrayList<>();
      for (int i = 0; i < numImages; i++) {
        Path p = numImages == 1 ? out : indexed(out, i);
        String params = PngImages.a1111Parameters(req, samplerName(sch), seed + i, lm.name());
        PngImages.write(PngImages.toImage(res.imagesUint8(), i, h, w),
            Map.of("parameters", params, "Software", "unmasked"), p);
        written.add(p);
      }
      if (saveLatents != null) {
        new SafetensorsWriter().metadata("format", "pt").metadata("producer", "unmasked generate")
            .putF32("latents", res.latents(), res.latentShape()).write(saveLatents);
      }
      System.out.printf(Locale.ROOT,
          "%d image(s) %dx%d, %d steps %s, guidance %.1f, seed %d: load %.1f s, denoise+decode "
              + "%.1f s (%.2f s/step); wrote %s%n", numImages, w, h, steps, sch.name(), guidance,
          seed, loadSec, genSec, genSec / Math.max(1, steps), written);
    }
    return 0;
  }

  /** The model a learn run was trained on (its run.json), checked to exist. */
  static Path runModel(Path run) {
    Path json = run.resolve("run.json");
    if (!Files.isRegularFile(run.resolve("learned_embeds.safetensors"))) {
      throw new UserError("--concepts " + run + ": no learned_embeds.safetensors there (is the run"
          + " finished? continue it with learn --resume " + run + ")");
    }
    try {
      String m = com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject()
          .get("model").getAsString();
      return Path.of(m);
    } catch (java.io.IOException | RuntimeException e) {
      throw new UserError("--concepts " + run + ": cannot read the run's model from " + json
          + "; give --model", e);
    }
  }

  /** {@code FILE} or {@code FILE=TOKEN}; an existing file whose name holds '=' is taken whole. */
  static List<Embedding> readEmbeddings(List<String> specs) {
    List<Embedding> out = new ArrayList<>();
    for (String spec : specs) {
      Path file = Path.of(spec);
      String token = null;
      int eq = spec.lastIndexOf('=');
      if (!Files.exists(file) && eq > 0) {
        file = Path.of(spec.substring(0, eq));
        token = spec.substring(eq + 1);
        if (token.isEmpty()) {
          throw new UserError("--embeddings " + spec + ": the token after '=' is empty");
        }
      }
      if (!Files.isRegularFile(file)) {
        throw new UserError("--embeddings " + spec + ": no such file " + file);
      }
      out.addAll(EmbeddingFiles.read(file, token));
    }
    return out;
  }

  static Path indexed(Path p, int i) {
    String name = p.getFileName().toString();
    String stem = name.substring(0, name.length() - 4);
    return p.resolveSibling(stem + "-" + i + ".png");
  }

  static void checkWritableFolder(Path file, String option) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new UserError(option + " " + file + ": folder " + dir + " does not exist (create it "
          + "first)");
    }
    if (!Files.isWritable(dir)) {
      throw new UserError(option + " " + file + ": folder " + dir + " is not writable");
    }
    if (Files.isDirectory(file)) {
      throw new UserError(option + " " + file + " is a folder; give a file name");
    }
  }

  static float[] readInitLatents(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      if (f.keys().size() != 1) {
        throw new UserError("--init-latents " + file + ": expected exactly one tensor, found "
            + f.keys().size() + " " + f.keys());
      }
      String key = f.keys().iterator().next();
      TensorInfo t = f.info(key);
      if (t.shape().length != 4) {
        throw new UserError("--init-latents " + file + ": tensor '" + key + "' has shape "
            + t.shapeString() + "; expected [N, 4, height/8, width/8]");
      }
      return f.floats(key);
    } catch (java.io.IOException e) {
      throw new UserError("--init-latents " + e.getMessage());
    }
  }

  static String samplerName(Scheduler s) {
    return switch (s.name()) {
      case "ddim" -> "DDIM";
      case "euler" -> "Euler";
      case "euler-a" -> "Euler a";
      case "pndm" -> "PLMS";
      case "dpmpp-2m" -> s.config().useKarrasSigmas() ? "DPM++ 2M Karras" : "DPM++ 2M";
      case "ddpm" -> "DDPM";
      default -> s.name();
    };
  }
}
