package dev.unmasked.concepts;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.adapters.EmbeddingFiles;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.toyworld.SceneFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code learn} run's folder (names fixed by the issue): run.json, loss.csv, masks.csv,
 * masks/step-NNNNN/STEM/TOKEN.png (+ overlay.png), final/masks/..., learned_embeds.safetensors,
 * a1111/TOKEN.safetensors, samples/, report.html and checkpoint/state.safetensors.
 */
public final class RunFolder {
  static final String[] COLORS = {"#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
      "#42d4f4", "#f032e6", "#bfef45"};

  private final Path dir;
  private final String argumentsJson;
  private final long t0 = System.nanoTime();
  private final Map<String, int[]> truthOf = new HashMap<>();
  private final List<String[]> iouRows = new ArrayList<>(); // estep, step, stem, token, iou_gt
  private List<String> validation = List.of();

  /** The prompts of the validation samples. */
  void setValidationPrompts(List<String> prompts) {
    this.validation = List.copyOf(prompts);
  }

  /**
   * @param argumentsJson every argument with defaults resolved (run.json's "arguments"): a resume
   *     must give the same
   */
  public RunFolder(Path dir, String argumentsJson) {
    this.dir = dir;
    this.argumentsJson = argumentsJson;
  }

  public Path dir() {
    return dir;
  }

  public Path checkpoint() {
    return dir.resolve("checkpoint/state.safetensors");
  }

  /** Phase 2's checkpoint (LoRA or UNet weights and their optimizer state). */
  public Path checkpoint2() {
    return dir.resolve("checkpoint/phase2.safetensors");
  }

  /** Checkpoint metadata naming the run's arguments. */
  Map<String, String> identity() {
    return Map.of("arguments", argumentsJson);
  }

  /** Creates a new run, or checks that a resumed one had the same arguments; trims logs. */
  public void open(boolean resume, JsonObject runJson) throws IOException {
    try {
      openOrFail(resume, runJson);
    } catch (IOException e) {
      if (e instanceof dev.unmasked.io.SafetensorsException) {
        throw e;
      }
      throw new UserError(dir + ": a file operation failed (" + e.getMessage() + ")"
          + (resume ? "; the checkpoint is intact: free space, then learn --resume " + dir : ""), e);
    }
  }

  private void openOrFail(boolean resume, JsonObject runJson) throws IOException {
    if (resume) {
      if (!Files.exists(checkpoint())) {
        throw new UserError("--resume " + dir + ": no checkpoint there (" + checkpoint() + ")");
      }
      String had;
      try (var f = dev.unmasked.io.SafetensorsFile.open(checkpoint())) {
        had = f.metadata().get("arguments");
      }
      if (!argumentsJson.equals(had)) {
        throw new UserError("--resume " + dir + ": the run was started with other arguments; "
            + "give the same ones (see " + dir.resolve("run.json") + ")");
      }
      long step;
      try (var f = dev.unmasked.io.SafetensorsFile.open(checkpoint())) {
        step = Long.parseLong(f.metadata().get("step"));
      }
      if (Files.exists(checkpoint2())) { // loss.csv counts phase-2 steps after phase 1's
        try (var f = dev.unmasked.io.SafetensorsFile.open(checkpoint2())) {
          step += Long.parseLong(f.metadata().get("step"));
        }
      }
      trim(dir.resolve("loss.csv"), step, 0);
      trim(dir.resolve("masks.csv"), step, 1);
      return;
    }
    if (Files.exists(dir.resolve("run.json")) || Files.exists(checkpoint())) {
      throw new UserError(dir + " already holds a run; give a new --out, or --resume " + dir);
    }
    Files.createDirectories(dir.resolve("checkpoint"));
    json(dir.resolve("run.json"), runJson);
    AtomicFile.write(dir.resolve("loss.csv"), "step,phase,loss,rec,attn,lr,seconds,prior\n".getBytes(StandardCharsets.UTF_8));
    AtomicFile.write(dir.resolve("masks.csv"),
        "estep,step,image,concept,area,iou_previous,iou_truth,truth\n".getBytes(StandardCharsets.UTF_8));
  }

  /** Drops rows whose step column is beyond the checkpoint (written after it, before a kill). */
  private static void trim(Path csv, long step, int column) throws IOException {
    if (!Files.exists(csv)) {
      return;
    }
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
      String[] f = line.split(",");
      if (keep.isEmpty() || Long.parseLong(f[column]) <= step) {
        keep.add(line);
      }
    }
    AtomicFile.write(csv, (String.join("\n", keep) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  void logLoss(long step, String phase, Map<String, Double> terms, double lr) throws IOException {
    String line = String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%s,%.3e,%.1f,%s%n", step, phase,
        terms.get("loss"), terms.getOrDefault("rec", Double.NaN),
        terms.containsKey("attn") ? String.format(Locale.ROOT, "%.6f", terms.get("attn")) : "",
        lr, (System.nanoTime() - t0) / 1e9,
        terms.containsKey("prior") ? String.format(Locale.ROOT, "%.6f", terms.get("prior")) : "");
    Files.writeString(dir.resolve("loss.csv"), line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  /** Writes an E-step's masks as PNGs and masks.csv rows (area, IoU with the previous and the truth). */
  void recordMasks(long step, MaskState masks, List<InputImage> images, List<ConceptSpec> concepts)
      throws IOException {
    Path stepDir = dir.resolve(String.format(Locale.ROOT, "masks/step-%05d", step));
    StringBuilder rows = new StringBuilder();
    for (int n = 0; n < images.size(); n++) {
      InputImage im = images.get(n);
      List<Integer> ks = new ArrayList<>();
      List<Mask> ms = new ArrayList<>();
      List<ConceptSpec> cs = new ArrayList<>();
      for (int k = 0; k < concepts.size(); k++) {
        try {
          ms.add(masks.mask(n, k));
          ks.add(k);
          cs.add(concepts.get(k));
        } catch (IllegalStateException notInImage) {
          // the concept is not in this image
        }
      }
      if (ks.isEmpty()) {
        continue;
      }
      int[] truth = truthOf.computeIfAbsent(im.stem(), s -> GroundTruth.match(im, cs, ms));
      Path imDir = Files.createDirectories(stepDir.resolve(im.stem()));
      for (int j = 0; j < ks.size(); j++) {
        ConceptSpec c = cs.get(j);
        Mask m = ms.get(j);
        SceneFiles.writePng(m.toImage(), imDir.resolve(c.fileName() + ".png"));
        Mask prev = masks.previous(n, ks.get(j));
        String iouPrev = prev == null || masks.count() < 2 ? "" : fmt(prev.iou(m));
        String iouGt = "";
        String gtName = "";
        if (truth[j] >= 0) {
          InputImage.Truth t = im.truth().get(truth[j]);
          iouGt = fmt(m.iou(t.mask()));
          gtName = t.name();
          iouRows.add(new String[] {Integer.toString(masks.count()), Long.toString(step), im.stem(), c.token(), iouGt});
        }
        rows.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%d,%s,%s,%s%n", masks.count(), step,
            im.stem(), c.token(), m.area(), iouPrev, iouGt, gtName.replace(',', ' ')));
      }
      SceneFiles.writePng(Overlays.overlay(im, ms, 4), imDir.resolve("overlay.png"));
    }
    Files.writeString(dir.resolve("masks.csv"), rows, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  /** Validation prompts with the current embeddings, one grid per call. */
  void samples(LoadedModel model, long step, List<ConceptSpec> concepts) throws IOException {
    ConceptSamples.grid(model, validation, 0,
        dir.resolve(String.format(Locale.ROOT, "samples/step-%05d.png", step)));
  }

  /** Final masks, embeddings in diffusers and A1111/kohya formats, samples. */
  void finish(LoadedModel model, List<ConceptSpec> concepts, List<InputImage> images,
      MaskState masks, float[][] rows, dev.unmasked.adapters.LoraWeights lora,
      dev.unmasked.model.unet.UNet2DConditionModel fullUnet) throws IOException {
    if (lora != null) {
      dev.unmasked.adapters.LoraFiles.writeDiffusers(dir.resolve("pytorch_lora_weights.safetensors"), lora);
      dev.unmasked.adapters.LoraFiles.writeKohya(dir.resolve("lora_kohya.safetensors"), lora, "sd_v1");
    }
    if (fullUnet != null) {
      Path u = Files.createDirectories(dir.resolve("unet"));
      SafetensorsWriterHelper.write(u.resolve("diffusion_pytorch_model.safetensors"), fullUnet.parameters());
    }
    for (int n = 0; n < images.size(); n++) {
      InputImage im = images.get(n);
      Path d = dir.resolve("final/masks").resolve(im.stem());
      List<Mask> ms = new ArrayList<>();
      for (int k = 0; k < concepts.size(); k++) {
        try {
          Mask m = masks.mask(n, k);
          Files.createDirectories(d);
          SceneFiles.writePng(m.toImage(), d.resolve(concepts.get(k).fileName() + ".png"));
          ms.add(m);
        } catch (IllegalStateException notInImage) {
          // no mask: mode none, or the concept is not in this image
        }
      }
      if (!ms.isEmpty()) {
        SceneFiles.writePng(Overlays.overlay(im, ms, 4), d.resolve("overlay.png"));
      }
    }
    Map<String, float[][]> embeds = new java.util.LinkedHashMap<>();
    Files.createDirectories(dir.resolve("a1111"));
    for (int k = 0; k < concepts.size(); k++) {
      embeds.put(concepts.get(k).token(), new float[][] {rows[k]});
      EmbeddingFiles.writeEmbParams(dir.resolve("a1111").resolve(concepts.get(k).fileName()
          + ".safetensors"), new float[][] {rows[k]});
    }
    EmbeddingFiles.writeDiffusers(dir.resolve("learned_embeds.safetensors"), embeds);
    ConceptSamples.grid(model, validation, 0, dir.resolve("samples/final.png"));
    RunReport.write(dir, images, concepts);
  }

  /** IoU with the truth per E-step (estep, step, stem, token, iou) for the report. */
  List<String[]> truthRows() {
    return iouRows;
  }

  /** Full UNet weights (phase 2 "full") in diffusers naming. */
  static final class SafetensorsWriterHelper {
    static void write(Path file, Map<String, ai.djl.ndarray.NDArray> weights) throws IOException {
      dev.unmasked.io.SafetensorsWriter w = new dev.unmasked.io.SafetensorsWriter().metadata("format", "pt");
      for (Map.Entry<String, ai.djl.ndarray.NDArray> e : weights.entrySet()) {
        w.putF32(e.getKey(), e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
            .toFloatArray(), e.getValue().getShape().getShape());
      }
      w.write(file);
    }
  }

  static void json(Path file, JsonObject o) throws IOException {
    AtomicFile.write(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o)
        .getBytes(StandardCharsets.UTF_8));
  }
}
