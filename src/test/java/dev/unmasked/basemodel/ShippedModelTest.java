package dev.unmasked.basemodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.eval.GenerationDefaults;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.pipeline.GenerationRequest;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.pipeline.PngImages;
import dev.unmasked.pipeline.StableDiffusionPipeline;
import dev.unmasked.scheduler.Schedulers;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.judge.Judge;
import dev.unmasked.toyworld.judge.Judgement;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The embedded model as shipped in {@code models/toyworld-sd}: the parameter counts in its
 * {@code MODEL.md} are those of its weight files, it is under 30 MB, its tokenizer maps the world's
 * words to whole tokens and takes new placeholder tokens, and one seeded generation with its own
 * default settings takes seconds and shows the background that was asked for.
 */
class ShippedModelTest {
  private static final Path MODEL = Path.of("models/toyworld-sd");
  private static final Map<String, String> WEIGHTS = Map.of(
      "vae", "vae/diffusion_pytorch_model.safetensors",
      "text_encoder", "text_encoder/model.safetensors",
      "unet", "unet/diffusion_pytorch_model.safetensors");

  @Test
  void parameterCountsAreThoseOfModelMd() throws Exception {
    String card = Files.readString(MODEL.resolve("MODEL.md"));
    Matcher m = Pattern.compile("(?m)^\\| `(vae|text_encoder|unet)` \\| ([0-9,]+) \\|").matcher(card);
    Map<String, Long> documented = new LinkedHashMap<>();
    while (m.find()) {
      documented.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
    }
    assertEquals(WEIGHTS.keySet(), documented.keySet(), "MODEL.md's parameter table");
    long bytes = 0;
    for (var e : WEIGHTS.entrySet()) {
      long n = 0;
      try (SafetensorsFile f = SafetensorsFile.open(MODEL.resolve(e.getValue()))) {
        for (String k : f.keys()) {
          if (f.info(k).dtype().isFloating()) {
            n += f.info(k).numel();
          }
        }
      }
      assertEquals(documented.get(e.getKey()), n, e.getKey() + " parameters");
    }
    try (var w = Files.walk(MODEL)) {
      bytes = w.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    assertTrue(bytes < 30_000_000L, "the shipped model takes " + bytes + " bytes");
  }

  @Test
  void tokenizerKnowsTheWorldsWordsAndTakesNewTokens() throws Exception {
    CLIPTokenizer tok = CLIPTokenizer.fromFolder(MODEL.resolve("tokenizer"));
    // each word of the world is one token: bos, 7 words, eos
    assertEquals(9, tok.encode("a striped red star on the snow", true).length);
    int[] added = tok.addTokens(List.of("<v1>"));
    assertEquals(1, added.length);
    int[] ids = tok.encode("a <v1> on the snow", true);
    assertEquals(added[0], ids[2]);
    // any text tokenizes (the byte alphabet), if into more pieces
    assertTrue(tok.encode("Zebra 42!", true).length > 3);
  }

  @Test
  void seededGenerationShowsTheRequestedBackground() throws Exception {
    try (NDManager m = NDManager.newBaseManager(); Judge judge = Judge.loadDefault()) {
      LoadedModel model = LoadedModel.load(MODEL, m, DataType.FLOAT32);
      GenerationDefaults d = GenerationDefaults.read(MODEL);
      int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
      assertEquals(64, size);
      long t0 = System.nanoTime();
      var r = new StableDiffusionPipeline(model,
          Schedulers.fromConfig(model.schedulerConfig(), d.scheduler())).generate(
              new GenerationRequest("a red circle on the snow", "", d.steps(), d.guidance(), size,
                  size, 1, 0L, null), null);
      double seconds = (System.nanoTime() - t0) / 1e9;
      BufferedImage img = PngImages.toImage(r.imagesUint8(), 0, size, size);
      Judgement j = judge.judgeImages(List.of(img)).get(0);
      assertEquals(Background.SNOW, j.background());
      assertTrue(seconds < 30, "one 64x64 generation took " + seconds + " s");
    }
  }
}
