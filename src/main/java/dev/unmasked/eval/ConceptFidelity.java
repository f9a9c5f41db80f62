package dev.unmasked.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.adapters.EmbeddingFiles;
import dev.unmasked.adapters.Embeddings;
import dev.unmasked.adapters.Lora;
import dev.unmasked.adapters.LoraFiles;
import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.ImageGrid;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Schedulers;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.Judgement;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Concept fidelity, prompt fidelity, composition and diversity of one finished run: its embeddings
 * (and LoRA, if any) on a freshly loaded base model, every prompt of {@link GenerationPlan}
 * generated {@code samples} times (one batch, noise seeds {@code seed + i}), every sample read by the
 * judge and scored with {@link SampleScores}; the samples go to a grid image.
 */
public final class ConceptFidelity {
  private ConceptFidelity() {}

  /**
   * How samples are drawn.
   *
   * @param samples per prompt
   * @param backgrounds new backgrounds per object concept
   * @param steps denoising steps (null: the model's generation defaults)
   * @param firstSeed noise seed of the first prompt
   */
  public record Settings(int samples, int backgrounds, Integer steps, long firstSeed) {
    public JsonObject toJson() {
      JsonObject o = new JsonObject();
      o.addProperty("samples", samples);
      o.addProperty("backgrounds", backgrounds);
      o.addProperty("steps", steps);
      o.addProperty("first_seed", firstSeed);
      return o;
    }
  }

  /** The scores, each prompt's judgements (one line each) and the grid written. */
  public record Result(ConceptMetrics metrics, JsonArray prompts, Path grid) {}

  /**
   * @param truthOf concept token -> the scene object it was matched to (from masks.csv in modes em
   *     and fixed); concepts not in it use their case definition
   */
  public static Result score(EvalCase c, Path runDir, Path modelDir, Judge judge, Settings s,
      Map<String, SceneObject> truthOf, ConceptMetrics into, Path grid) throws IOException {
    List<GenerationPlan.Prompt> plan = GenerationPlan.of(c, s.backgrounds(), s.firstSeed());
    GenerationDefaults d = GenerationDefaults.read(modelDir);
    int steps = s.steps() != null ? s.steps() : d.steps();
    List<BufferedImage> images = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    List<List<Judgement>> read = new ArrayList<>();
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel model = LoadedModel.load(modelDir, m, DataType.FLOAT32);
      Embeddings.apply(model, EmbeddingFiles.read(runDir.resolve("learned_embeds.safetensors"), null));
      Path lora = runDir.resolve("pytorch_lora_weights.safetensors");
      if (Files.isRegularFile(lora)) {
        Lora.mergeAll(model, List.of(LoraFiles.read(lora)), 1.0);
      }
      int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
      for (GenerationPlan.Prompt p : plan) {
        StableDiffusionPipeline pipe = new StableDiffusionPipeline(model,
            Schedulers.fromConfig(model.schedulerConfig(), d.scheduler()));
        StableDiffusionPipeline.Result r = pipe.generate(new GenerationRequest(
            Embeddings.convertPrompt(model.tokenizer(), p.text()), "", steps, d.guidance(), size, size,
            s.samples(), p.seed(), null), null);
        List<BufferedImage> batch = new ArrayList<>();
        for (int i = 0; i < s.samples(); i++) {
          batch.add(PngImages.toImage(r.imagesUint8(), i, size, size));
          captions.add(p.text());
        }
        images.addAll(batch);
        read.add(judge.judgeImages(batch));
      }
    }
    JsonArray prompts = new JsonArray();
    Map<String, float[]> references = new HashMap<>();
    for (int i = 0; i < plan.size(); i++) {
      GenerationPlan.Prompt p = plan.get(i);
      List<Judgement> js = read.get(i);
      tally(c, p, js, truthOf, judge, references, into);
      into.mean("diversity").add(SampleScores.diversity(SampleScores.features(js)));
      JsonObject o = new JsonObject();
      o.addProperty("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
      o.addProperty("prompt", p.text());
      o.addProperty("seed", p.seed());
      JsonArray seen = new JsonArray();
      js.forEach(j -> seen.add(j.describe()));
      o.add("judge", seen);
      prompts.add(o);
    }
    Files.createDirectories(grid.getParent());
    PngImages.write(ImageGrid.of(images, captions, s.samples(), 2),
        Map.of("Software", "unmasked eval concepts"), grid);
    return new Result(into, prompts, grid);
  }

  /** Adds one prompt's samples to the run's tallies. */
  static void tally(EvalCase c, GenerationPlan.Prompt p, List<Judgement> js,
      Map<String, SceneObject> truthOf, Judge judge, Map<String, float[]> references, ConceptMetrics into) {
    List<SceneObject> objects = new ArrayList<>();
    p.concepts().forEach(k -> objects.add(truthOf.getOrDefault(k.token(), c.object(k))));
    for (Judgement j : js) {
      switch (p.kind()) {
        case SINGLE -> {
          EvalCase.CaseConcept k = p.concepts().get(0);
          boolean[] a = SampleScores.attributes(j, objects.get(0));
          into.tally("concept.shape").add(a[0]);
          into.tally("concept.color").add(a[1]);
          into.tally("concept.pattern").add(a[2]);
          into.tally("concept.all").add(a[3]);
          into.mean("concept.similarity").add(SampleScores.similarity(j.feature(),
              reference(c, k, truthOf, p.background(), judge, references)));
          into.tally("prompt.background").add(j.background() == p.background());
          into.tally("prompt.leak_background").add(
              SampleScores.backgroundLeak(j, p.background(), c.sceneBackgrounds(k)));
          into.tally("prompt.leak_color").add(SampleScores.colorLeak(j, c.otherColors(k)));
        }
        case PAIR, TRIPLE -> {
          into.tally(p.kind() == GenerationPlan.Kind.PAIR ? "composition.two" : "composition.three")
              .add(SampleScores.allPresent(j, objects));
          into.tally("composition.background").add(j.background() == p.background());
        }
        case LEARNED_BACKGROUND -> {
          into.tally("learned_background.background").add(j.background() == c.backgroundOf(p.learned()));
          boolean[] a = SampleScores.attributes(j, objects.get(0));
          into.tally("learned_background.object").add(a[0] && a[1]);
        }
        default -> throw new IllegalStateException(p.kind().toString());
      }
    }
  }

  /**
   * The judge feature of a concept's masked reference on {@code bg}: its first occurrence's object
   * (or, when masks.csv matched the concept to another object of that image, that one).
   */
  private static float[] reference(EvalCase c, EvalCase.CaseConcept k, Map<String, SceneObject> truthOf,
      Background bg, Judge judge, Map<String, float[]> cache) {
    return cache.computeIfAbsent(k.token() + "@" + bg.word(), key -> {
      EvalCase.Occurrence o = k.occurrences().get(0);
      var scene = c.images().get(o.image()).scene();
      int object = o.object();
      SceneObject matched = truthOf.get(k.token());
      if (matched != null && scene.objects().contains(matched)) {
        object = scene.objects().indexOf(matched);
      }
      return judge.judge(List.of(MaskedReference.chw(scene, object, bg))).get(0).feature();
    });
  }
}
