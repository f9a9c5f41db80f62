package dev.unmasked.basemodel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.UserError;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.nn.Params;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.training.Checkpoint;
import dev.unmasked.training.TrainLoop;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code pretrain} command's work at toy sizes: a run leaves a diffusers folder the pipeline
 * loads, its {@code loss.csv} and sample grid; a run stopped in each of its three training phases
 * (autoencoder, decoder alone, text encoder + UNet) and resumed ends with the uninterrupted run's
 * weights, bit for bit; a resume with other settings, or a fresh run over an old one, is refused.
 */
class PretrainTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  /**
   * The decoder phase is longer than the autoencoder phase so that one step budget can stop a run
   * inside it (each phase counts its own steps). The UNet rate is high so that six steps visibly
   * lower the held-out loss.
   */
  private static final PretrainSettings SETTINGS = new PretrainSettings(0, 3, 5, 2, 1e-3, 4.0,
      1e-6, 6, 2, 2e-3, 2, 0.1, 0.999, 3, 6, 3600);

  /** Small measurements: their full sizes cost about a minute per run on one thread. */
  private static final EvalSizes SIZES = new EvalSizes(16, 8, 8, 2, 2, 3);

  /** Every weight file the runs write: the exported model and the training state. */
  private static final List<String> WEIGHT_FILES = List.of(
      "vae/diffusion_pytorch_model.safetensors",
      "text_encoder/model.safetensors",
      "unet/diffusion_pytorch_model.safetensors",
      "checkpoints/vae.safetensors",
      "checkpoints/vae-full-final.safetensors",
      "checkpoints/vae-decoder.safetensors",
      "checkpoints/unet.safetensors");

  @TempDir static Path dir;

  private static Path straight;
  private static boolean straightFinished;

  @BeforeAll
  static void uninterruptedRun() throws IOException {
    straight = dir.resolve("straight");
    straightFinished = Pretrain.run(straight, "all", false, TrainLoop.Budget.none(), SETTINGS, SIZES,
        QUIET);
  }

  @Test
  void runLeavesLoadableDiffusersFolder() throws Exception {
    assertTrue(straightFinished);
    for (String f : List.of("model_index.json", "scheduler/scheduler_config.json",
        "tokenizer/vocab.json", "tokenizer/merges.txt", "text_encoder/config.json",
        "unet/config.json", "vae/config.json")) {
      assertTrue(Files.isRegularFile(straight.resolve(f)), f);
    }
    double scale = ConfigJson.read(straight.resolve("vae/config.json")).json()
        .get("scaling_factor").getAsDouble();
    assertNotEquals(1.0, scale, "scaling_factor was not measured");
    assertTrue(scale > 0 && Double.isFinite(scale), "scaling_factor " + scale);
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel model = LoadedModel.load(straight, m, DataType.FLOAT32);
      assertEquals(scale, model.vae().config().scalingFactor());
      assertEquals(ToyModelSpec.vocabulary().size(), model.tokenizer().size());
      assertEquals(1, model.tokenizer().countTokens("hexagon"));
    }
  }

  @Test
  void lossCsvHasBucketColumnsAndRowsAtEvaluationSteps() throws Exception {
    List<String> lines = Files.readAllLines(straight.resolve("loss.csv"), StandardCharsets.UTF_8);
    List<String> want = new ArrayList<>(List.of("step", "seconds", "lr", "train_loss", "grad_norm",
        "heldout_all"));
    for (String b : HeldOutSet.bucketNames()) {
      want.add("heldout_" + b);
      want.add("baseline_" + b);
    }
    want.add("heldout_objects");
    assertEquals(11, HeldOutSet.bucketNames().size());
    assertEquals("t950_999", HeldOutSet.bucketNames().get(10));
    assertEquals(String.join(",", want), lines.get(0));
    assertEquals(3, lines.size(), "header and the rows of steps 3 and 6: " + lines);
    String[] at3 = lines.get(1).split(",");
    String[] at6 = lines.get(2).split(",");
    assertEquals("3", at3[0]);
    assertEquals("6", at6[0]);
    for (String[] row : List.of(at3, at6)) {
      assertEquals(want.size(), row.length);
      for (String v : row) {
        assertTrue(Double.isFinite(Double.parseDouble(v)), v + " in " + String.join(",", row));
      }
    }
    for (int c = 7; c < want.size() - 1; c += 2) { // the baseline of a fixed set does not move
      assertEquals(at3[c], at6[c], want.get(c));
    }
    double objects = Double.parseDouble(at6[want.size() - 1]);
    assertTrue(objects > 0, "held-out loss on object pixels " + objects);
    assertNotEquals(at6[5], at6[want.size() - 1], "the object loss is its own figure, not heldout_all");
  }

  @Test
  void sampleGridIsWrittenAtSampleSteps() throws Exception {
    Path png = straight.resolve("samples/step-000006.png");
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, png + " is not a readable image");
    assertTrue(img.getWidth() > 64 && img.getHeight() > 64);
    assertFalse(Files.exists(straight.resolve("samples/step-000003.png")));
  }

  /** The held-out set is fixed (scenes, timesteps, noise), so the comparison is not noisy. */
  @Test
  void trainingLowersHeldOutLoss() throws Exception {
    List<String> lines = Files.readAllLines(straight.resolve("loss.csv"), StandardCharsets.UTF_8);
    double at3 = Double.parseDouble(lines.get(1).split(",")[5]);
    double at6 = Double.parseDouble(lines.get(2).split(",")[5]);
    assertTrue(at6 < at3, "held-out loss " + at3 + " at step 3, " + at6 + " at step 6");
  }

  /** The same held-out scenes as the trained VAE's stored PSNR, reconstructed by the initial weights. */
  @Test
  void vaeTrainingRaisesHeldOutPsnr() throws Exception {
    double trained;
    try (SafetensorsFile f = SafetensorsFile.open(
        straight.resolve("vae/diffusion_pytorch_model.safetensors"))) {
      trained = Double.parseDouble(f.metadata().get("heldout_psnr_db"));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      AutoencoderKL initial = new AutoencoderKL(ToyModelSpec.vaeConfig(),
          Params.initialised(SETTINGS.seed(), m, DataType.FLOAT32));
      double before = VaeStage.psnr(initial, m, SIZES.psnrScenes());
      assertTrue(trained > before, "held-out PSNR " + before + " dB before training, " + trained
          + " dB after");
    }
  }

  @Test
  void stoppedAndResumedRunEqualsUninterruptedRun() throws Exception {
    Path split = dir.resolve("split");
    // Stops in the autoencoder phase (3 steps) at step 2.
    assertFalse(Pretrain.run(split, "all", false, TrainLoop.Budget.steps(2), SETTINGS, SIZES, QUIET));
    assertEquals(2, Checkpoint.read(split.resolve("checkpoints/vae.safetensors")).step());
    assertFalse(Files.exists(split.resolve("checkpoints/vae-decoder.safetensors")));
    // Finishes it, stops in the decoder phase (5 steps) at step 4.
    assertFalse(Pretrain.run(split, "all", true, TrainLoop.Budget.steps(4), SETTINGS, SIZES, QUIET));
    assertEquals(4, Checkpoint.read(split.resolve("checkpoints/vae-decoder.safetensors")).step());
    assertFalse(VaeStage.done(split));
    // Finishes the VAE, stops the UNet phase (6 steps) at step 5.
    assertFalse(Pretrain.run(split, "all", true, TrainLoop.Budget.steps(5), SETTINGS, SIZES, QUIET));
    assertEquals(5, Checkpoint.read(split.resolve("checkpoints/unet.safetensors")).step());
    assertTrue(Pretrain.run(split, "all", true, TrainLoop.Budget.none(), SETTINGS, SIZES, QUIET));

    for (String f : WEIGHT_FILES) {
      assertSameTensors(straight.resolve(f), split.resolve(f));
    }
    assertEquals(Checkpoint.read(straight.resolve("checkpoints/unet.safetensors")).metadata(),
        Checkpoint.read(split.resolve("checkpoints/unet.safetensors")).metadata());
    assertEquals(heldOutColumns(straight), heldOutColumns(split));
  }

  @Test
  void resumeWithOtherSettingsIsRefused() throws Exception {
    Path out = copyOfCheckpoints("other-settings");
    PretrainSettings s = SETTINGS;
    PretrainSettings otherLr = new PretrainSettings(s.seed(), s.vaeSteps(), s.decoderSteps(),
        s.vaeBatch(), s.vaeLr() * 2, s.objectWeight(), s.klWeight(), s.unetSteps(), s.unetBatch(),
        s.unetLr(), s.warmup(), s.captionDropout(), s.emaDecay(), s.evalEvery(), s.sampleEvery(),
        s.checkpointSeconds());
    UserError e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, TrainLoop.Budget.none(), otherLr, SIZES, QUIET));
    assertTrue(e.getMessage().contains("vae_lr"), e.getMessage());
    PretrainSettings otherSeed = new PretrainSettings(7, s.vaeSteps(), s.decoderSteps(),
        s.vaeBatch(), s.vaeLr(), s.objectWeight(), s.klWeight(), s.unetSteps(), s.unetBatch(),
        s.unetLr(), s.warmup(), s.captionDropout(), s.emaDecay(), s.evalEvery(), s.sampleEvery(),
        s.checkpointSeconds());
    e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, TrainLoop.Budget.none(), otherSeed, SIZES, QUIET));
    assertTrue(e.getMessage().contains("seed"), e.getMessage());
    PretrainSettings weighted = s.withUnetObjectWeight(4.0);
    e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, TrainLoop.Budget.none(), weighted, SIZES, QUIET));
    assertTrue(e.getMessage().contains("unet_object_weight"), e.getMessage());
    PretrainSettings wider = s.withUnetSize(UNetSize.of("96,192", 1));
    e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, TrainLoop.Budget.none(), wider, SIZES, QUIET));
    assertTrue(e.getMessage().contains("unet_block_out_channels") && e.getMessage().contains("96,192"),
        e.getMessage());
    assertFalse(Files.exists(out.resolve("vae")), "a refused resume must not start training");
  }

  @Test
  void resumedLossCsvKeepsRowsWrittenBeforeTheObjectColumn() throws Exception {
    Path f = dir.resolve("old-loss.csv");
    String old = "3,1.0,1e-4,0.5,0.1,0.2" + ",0.3,0.4".repeat(HeldOutSet.BUCKETS.length);
    String late = "9,2.0,1e-4,0.5,0.1,0.2" + ",0.3,0.4".repeat(HeldOutSet.BUCKETS.length);
    Files.writeString(f, "step,old header\n" + old + "\n" + late + "\n");
    UNetStage.LossLog.open(f, 6, new double[HeldOutSet.BUCKETS.length]).close();
    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    assertEquals(2, lines.size(), "header and the row at or before the resumed step: " + lines);
    assertTrue(lines.get(0).endsWith(",heldout_objects"), lines.get(0));
    assertEquals(old + ",", lines.get(1), "an old row gets an empty object field");
    assertEquals(lines.get(0).split(",").length, lines.get(1).split(",", -1).length);
  }

  @Test
  void anotherUNetSizeTrainsAndExportsItsOwnConfig() throws Exception {
    Path out = dir.resolve("other-size");
    dev.unmasked.io.TestTrees.copy(straight, out);
    Files.delete(out.resolve("checkpoints/unet.safetensors")); // keep the VAE, start the UNet afresh
    Files.delete(out.resolve("loss.csv"));
    PretrainSettings s = SETTINGS.withUnetSize(UNetSize.of("32,64", 2));
    assertTrue(Pretrain.run(out, "unet", true, TrainLoop.Budget.none(), s, SIZES, QUIET));
    var cfg = ConfigJson.read(out.resolve("unet/config.json")).json();
    assertEquals("[32,64]", cfg.get("block_out_channels").toString());
    assertEquals("[1,2]", cfg.get("attention_head_dim").toString());
    assertEquals(2, cfg.get("layers_per_block").getAsInt());
    assertEquals(2, cfg.getAsJsonArray("down_block_types").size());
    assertEquals("32,64", Checkpoint.read(out.resolve("checkpoints/unet.safetensors")).metadata()
        .get(UNetSize.CHANNELS_KEY));
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel model = LoadedModel.load(out, m, DataType.FLOAT32);
      assertEquals(2, model.unet().config().layersPerBlock());
    }
    UserError bad = assertThrows(UserError.class, () -> UNetSize.of("64,100", 1));
    assertTrue(bad.getMessage().contains("100"), bad.getMessage());
    bad = assertThrows(UserError.class, () -> UNetSize.of("64,x", 1));
    assertTrue(bad.getMessage().contains("64,x"), bad.getMessage());
  }

  @Test
  void resumeChangesTheUNetStageLengthOnlyWhenAsked() throws Exception {
    Path out = dir.resolve("longer");
    dev.unmasked.io.TestTrees.copy(straight, out);
    PretrainSettings s = SETTINGS;
    PretrainSettings longer = withUnetSteps(s, s.unetSteps() + 2);
    UserError e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, Set.of(), TrainLoop.Budget.none(), longer, SIZES, QUIET));
    assertTrue(e.getMessage().contains("unet_steps"), e.getMessage());

    PretrainSettings shorter = withUnetSteps(s, s.unetSteps() - 2);
    e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, Set.of(Pretrain.UNET_STEPS), TrainLoop.Budget.none(),
            shorter, SIZES, QUIET));
    assertTrue(e.getMessage().contains("already at step " + s.unetSteps()), e.getMessage());

    assertTrue(Pretrain.run(out, "all", true, Set.of(Pretrain.UNET_STEPS), TrainLoop.Budget.none(),
        longer, SIZES, QUIET));
    Checkpoint c = Checkpoint.read(out.resolve("checkpoints/unet.safetensors"));
    assertEquals(s.unetSteps() + 2, c.step());
    assertEquals(Integer.toString(s.unetSteps() + 2), c.metadata().get("unet_steps"));
  }

  @Test
  void resumeChangesTheObjectWeightOnlyWhenAsked() throws Exception {
    Path out = dir.resolve("reweighted");
    dev.unmasked.io.TestTrees.copy(straight, out);
    PretrainSettings s = SETTINGS;
    PretrainSettings longer = withUnetSteps(s, s.unetSteps() + 2).withUnetObjectWeight(4.0);
    UserError e = assertThrows(UserError.class, () -> Pretrain.run(out, "all", true,
        Set.of(Pretrain.UNET_STEPS), TrainLoop.Budget.none(), longer, SIZES, QUIET));
    assertTrue(e.getMessage().contains("unet_object_weight"), e.getMessage());

    assertTrue(Pretrain.run(out, "all", true,
        Set.of(Pretrain.UNET_STEPS, PretrainSettings.UNET_OBJECT_WEIGHT),
        TrainLoop.Budget.none(), longer, SIZES, QUIET));
    Checkpoint c = Checkpoint.read(out.resolve("checkpoints/unet.safetensors"));
    assertEquals(s.unetSteps() + 2, c.step());
    assertEquals("4.0", c.metadata().get(PretrainSettings.UNET_OBJECT_WEIGHT));
    // from now on the run is a weighted one: resuming it with the plain loss is refused
    PretrainSettings plain = longer.withUnetObjectWeight(1.0);
    e = assertThrows(UserError.class, () -> Pretrain.run(out, "all", true,
        Set.of(Pretrain.UNET_STEPS), TrainLoop.Budget.none(), plain, SIZES, QUIET));
    assertTrue(e.getMessage().contains("unet_object_weight"), e.getMessage());
  }

  @Test
  void freshRunOverCheckpointsIsRefused() throws Exception {
    Path out = copyOfCheckpoints("fresh-over-old");
    UserError e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", false, TrainLoop.Budget.none(), SETTINGS, SIZES, QUIET));
    assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    assertFalse(Files.exists(out.resolve("vae")), "a refused run must not start training");
  }

  @Test
  void resumeWithoutCheckpointsIsRefused() {
    Path out = dir.resolve("empty");
    UserError e = assertThrows(UserError.class, () ->
        Pretrain.run(out, "all", true, TrainLoop.Budget.none(), SETTINGS, SIZES, QUIET));
    assertTrue(e.getMessage().contains("no checkpoints"), e.getMessage());
  }


  /** A folder holding only the uninterrupted run's checkpoints, for refusals that must not touch it. */
  private static Path copyOfCheckpoints(String name) throws IOException {
    Path out = Files.createDirectories(dir.resolve(name).resolve("checkpoints"));
    try (var files = Files.list(straight.resolve("checkpoints"))) {
      for (Path f : files.toList()) {
        Files.copy(f, out.resolve(f.getFileName()));
      }
    }
    return out.getParent();
  }

  private static void assertSameTensors(Path want, Path got) throws IOException {
    try (SafetensorsFile a = SafetensorsFile.open(want); SafetensorsFile b = SafetensorsFile.open(got)) {
      assertEquals(a.keys(), b.keys(), got.toString());
      assertFalse(a.keys().isEmpty(), want + " holds no tensors");
      for (String k : a.keys()) {
        assertArrayEquals(a.info(k).shape(), b.info(k).shape(), got + ": " + k);
        assertArrayEquals(a.floats(k), b.floats(k), got + ": " + k + " differs");
      }
    }
  }

  /** loss.csv without its timing and training-average columns (a resume restarts those). */
  private static List<String> heldOutColumns(Path out) throws IOException {
    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("loss.csv"), StandardCharsets.UTF_8)) {
      String[] f = line.split(",");
      rows.add(f[0] + "," + f[2] + "," + String.join(",", List.of(f).subList(5, f.length)));
    }
    return rows;
  }

  @Test
  void latentWeightsAverageTheObjectPixels() {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
        dev.unmasked.toyworld.TrainingStream stream = new dev.unmasked.toyworld.TrainingStream(5,
            dev.unmasked.toyworld.SceneOptions.training(), 1, 4)) {
      dev.unmasked.toyworld.TrainingStream.Batch batch = stream.nextBatch(3);
      float[] px = VaeStage.pixelWeights(batch, 4.0);
      float[] w = UNetStage.latentWeights(m, batch, 4.0, 16).toFloatArray();
      assertEquals(3 * 16 * 16, w.length);
      int full = 0;
      int plain = 0;
      for (int i = 0; i < 3; i++) {
        for (int y = 0; y < 16; y++) {
          for (int x = 0; x < 16; x++) {
            double sum = 0;
            for (int dy = 0; dy < 4; dy++) {
              for (int dx = 0; dx < 4; dx++) {
                sum += px[i * 4096 + (4 * y + dy) * 64 + 4 * x + dx];
              }
            }
            float v = w[i * 256 + y * 16 + x];
            assertEquals(sum / 16, v, 1e-5, "latent pixel " + i + "," + y + "," + x);
            full += v == 4f ? 1 : 0;
            plain += v == 1f ? 1 : 0;
          }
        }
      }
      assertTrue(full > 0 && plain > 0, "objects and background both present: " + full + "/" + plain);
    }
  }

  /** {@code s} with another UNet stage length. */
  private static PretrainSettings withUnetSteps(PretrainSettings s, int steps) {
    return new PretrainSettings(s.seed(), s.vaeSteps(), s.decoderSteps(), s.vaeBatch(), s.vaeLr(),
        s.objectWeight(), s.klWeight(), steps, s.unetBatch(), s.unetLr(), s.warmup(),
        s.captionDropout(), s.emaDecay(), s.evalEvery(), s.sampleEvery(), s.checkpointSeconds(),
        s.unetObjectWeight(), s.unetSize());
  }
}
