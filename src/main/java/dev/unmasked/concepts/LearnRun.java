package dev.unmasked.concepts;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.training.TrainLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One {@code learn} run assembled the way the {@code learn} command does it, for any caller (the
 * command, {@code eval concepts}): 1. load the model; 2. resolve the options on the model's defaults
 * ({@link #defaults}); 3. load the images at the model's resolution (with their toy-world ground
 * truth); 4. the concepts; 5. check that one prompt naming all of them fits the text encoder; 6. the
 * run folder (new, or a resume with the same arguments); 7. learn. The arguments recorded in
 * {@code run.json} and the checkpoint depend only on what is given here, so two callers that give the
 * same inputs can resume each other's runs.
 */
public final class LearnRun {
  private final Path modelPath;
  private Path configDir;
  private List<Path> images = List.of();
  private Path groundTruth;
  private UnaryOperator<LearnOptions> options = UnaryOperator.identity();
  private Function<List<InputImage>, List<ConceptSpec>> concepts;
  private Path dir;
  private boolean resume;
  private TrainLoop.Budget budget = TrainLoop.Budget.none();
  private PrintStream log = System.err;

  /** @param modelPath a diffusers folder or single-file checkpoint (as recorded in run.json) */
  public LearnRun(Path modelPath) {
    this.modelPath = Objects.requireNonNull(modelPath, "modelPath");
  }

  /** For a single-file checkpoint: a diffusers folder whose configs describe it. */
  public LearnRun configDir(Path d) {
    this.configDir = d;
    return this;
  }

  public LearnRun images(List<Path> paths) {
    this.images = List.copyOf(paths);
    return this;
  }

  /** A folder with the images' toy-world scene.json and masks (default: beside each image). */
  public LearnRun groundTruth(Path d) {
    this.groundTruth = d;
    return this;
  }

  /** Turns the model's defaults ({@link #defaults}) into the run's options. */
  public LearnRun options(UnaryOperator<LearnOptions> fromDefaults) {
    this.options = Objects.requireNonNull(fromDefaults);
    return this;
  }

  /** The concepts, from the loaded images (their stems name the images a concept is in). */
  public LearnRun concepts(Function<List<InputImage>, List<ConceptSpec>> fromImages) {
    this.concepts = fromImages;
    return this;
  }

  public LearnRun concepts(List<ConceptSpec> cs) {
    List<ConceptSpec> copy = List.copyOf(cs);
    this.concepts = ims -> copy;
    return this;
  }

  /** A new run folder ({@code resume} false) or one to continue from its checkpoint. */
  public LearnRun folder(Path runDir, boolean resumeIt) {
    this.dir = runDir;
    this.resume = resumeIt;
    return this;
  }

  /** When to stop early with a checkpoint (default: never). */
  public LearnRun budget(TrainLoop.Budget b) {
    this.budget = Objects.requireNonNull(b);
    return this;
  }

  /** Where notes, progress and E-step lines go (default: standard error). */
  public LearnRun log(PrintStream p) {
    this.log = Objects.requireNonNull(p);
    return this;
  }

  /**
   * The defaults for this model: the toy-world ones for images up to 128 px, Break-a-Scene's SD
   * ones (with the latent/4 attention maps) above.
   */
  public static LearnOptions defaults(LoadedModel model) {
    int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
    if (size <= 128) {
      return LearnOptions.toyDefaults();
    }
    return LearnOptions.sdDefaults()
        .withAttnResolutions(List.of(model.unet().config().sampleSize() / 4));
  }

  /** Runs it; the trained rows, or null when the budget stopped it first (continue with a resume). */
  public ConceptLearner.Result run() throws IOException {
    if (dir == null) {
      throw new IllegalStateException("no run folder given");
    }
    if (concepts == null) {
      throw new IllegalStateException("no concepts given");
    }
    // 1. The model.
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel model = LoadedModel.load(modelPath, configDir, m, DataType.FLOAT32);
      int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
      // 2. Options on the model's defaults.
      LearnOptions o = options.apply(defaults(model));
      // 3. Images at the model's resolution.
      List<InputImage> ims = new ArrayList<>();
      for (Path p : images) {
        InputImage im = InputImage.load(p, size, groundTruth);
        if (!im.note().isEmpty()) {
          log.println("note: " + im.note());
        }
        ims.add(im);
      }
      // 4. Concepts.
      List<ConceptSpec> cs = concepts.apply(ims);
      // 5. One prompt naming every concept must fit.
      int tokens = model.tokenizer().encode(o.prompt(tokens(cs, false), tokens(cs, true))).length;
      if (tokens > 77) {
        throw new UserError(cs.size() + " concepts make a prompt of " + tokens
            + " tokens, more than the 77 the text encoder reads; learn fewer at once");
      }
      // 6. The run folder.
      JsonObject args = arguments(o, cs, ims, modelPath);
      RunFolder run = new RunFolder(dir, new Gson().toJson(args));
      JsonObject runJson = new JsonObject();
      runJson.add("arguments", args);
      runJson.addProperty("model", modelPath.toAbsolutePath().toString());
      runJson.addProperty("model_name", model.name());
      runJson.addProperty("unmasked_version",
          String.valueOf(LearnRun.class.getPackage().getImplementationVersion()));
      runJson.addProperty("djl_version", "0.36.0");
      runJson.addProperty("libtorch_version", "2.7.1");
      ConceptLearner learner = new ConceptLearner(model, ims, cs, o, run, log);
      learner.prepare(m); // checks the tokens and initializers before anything is written
      run.open(resume, runJson);
      // 7. Learn.
      ConceptLearner.Result r = learner.learn(m, budget);
      if (r != null) {
        log.println("learned " + cs.size() + " concepts; embeddings: "
            + dir.resolve("learned_embeds.safetensors") + ", masks: " + dir.resolve("final/masks"));
      }
      return r;
    }
  }

  private static List<String> tokens(List<ConceptSpec> cs, boolean background) {
    return cs.stream().filter(c -> c.background() == background).map(ConceptSpec::token).toList();
  }

  /** run.json's "arguments": every option with defaults resolved, the concepts, images and model. */
  static JsonObject arguments(LearnOptions o, List<ConceptSpec> concepts, List<InputImage> ims,
      Path model) {
    Gson g = new Gson();
    JsonObject a = g.toJsonTree(o).getAsJsonObject();
    JsonArray cs = new JsonArray();
    for (ConceptSpec c : concepts) {
      JsonObject j = new JsonObject();
      j.addProperty("token", c.token());
      j.addProperty("init", c.initWords());
      j.add("images", c.images() == null ? null : g.toJsonTree(c.images()));
      j.addProperty("background", c.background());
      JsonObject um = new JsonObject();
      c.userMasks().forEach((k, v) -> um.addProperty(k, v.toString()));
      j.add("masks", um);
      cs.add(j);
    }
    a.add("concepts", cs);
    JsonArray is = new JsonArray();
    ims.forEach(im -> is.add(im.path().toString()));
    a.add("images", is);
    a.addProperty("model", model.toString());
    return a;
  }
}
