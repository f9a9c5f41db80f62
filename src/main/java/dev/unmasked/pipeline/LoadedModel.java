package dev.unmasked.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import dev.unmasked.convert.SingleFileCheckpoint;
import dev.unmasked.convert.SingleFileOptions;
import dev.unmasked.io.TensorSource;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.ModelFolder;
import dev.unmasked.model.WeightLoadException;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.model.vae.AutoencoderKL;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts of a Stable Diffusion pipeline, loaded from a diffusers folder or a single-file
 * (LDM/A1111) checkpoint. Single files carry no tokenizer: the bundled CLIP vocabulary is used.
 */
public record LoadedModel(
    String name,
    Path source,
    CLIPTokenizer tokenizer,
    CLIPTextModel textEncoder,
    UNet2DConditionModel unet,
    AutoencoderKL vae,
    JsonObject schedulerConfig) {

  /** Loads {@code path} (a diffusers folder or a .safetensors single file) onto {@code manager}. */
  public static LoadedModel load(Path path, NDManager manager, DataType dtype) {
    return load(path, null, manager, dtype);
  }

  /**
   * As {@link #load(Path, NDManager, DataType)}; for a single file, {@code configDir} (may be null)
   * is a diffusers folder whose component configs describe it (needed when the checkpoint is not
   * a standard SD 1.5/2.1 shape and has no LDM yaml beside it).
   */
  public static LoadedModel load(Path path, Path configDir, NDManager manager, DataType dtype) {
    if (!Files.exists(path)) {
      throw new UserError(path + ": no such model folder or file (give a diffusers pipeline "
          + "folder with model_index.json, or a single-file .safetensors checkpoint)");
    }
    try {
      if (Files.isDirectory(path)) {
        return fromFolder(path, manager, dtype);
      }
      return fromSingleFile(path, configDir, manager, dtype);
    } catch (WeightLoadException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  private static LoadedModel fromFolder(Path dir, NDManager m, DataType dtype) {
    ModelFolder f = ModelFolder.open(dir);
    CLIPTokenizer tok;
    try {
      tok = CLIPTokenizer.fromFolder(f.componentDir(ModelFolder.TOKENIZER));
    } catch (Exception e) {
      throw new UserError(dir + ": cannot read the tokenizer (" + e.getMessage() + ")", e);
    }
    TensorSource teW = f.openWeights(ModelFolder.TEXT_ENCODER);
    TensorSource unetW = f.openWeights(ModelFolder.UNET);
    TensorSource vaeW = f.openWeights(ModelFolder.VAE);
    CLIPTextModel te = CLIPTextModel.load(cfg(f, ModelFolder.TEXT_ENCODER), teW, m, dtype);
    UNet2DConditionModel unet = UNet2DConditionModel.load(cfg(f, ModelFolder.UNET), unetW, m, dtype);
    AutoencoderKL vae = AutoencoderKL.load(cfg(f, ModelFolder.VAE), vaeW, m, dtype);
    teW.close();
    unetW.close();
    vaeW.close();
    return new LoadedModel(dir.getFileName().toString(), dir, tok, te, unet, vae,
        f.config(ModelFolder.SCHEDULER));
  }

  private static ConfigJson cfg(ModelFolder f, String component) {
    return new ConfigJson(f.config(component), f.configPath(component).toString());
  }

  private static LoadedModel fromSingleFile(Path file, Path configDir, NDManager m,
      DataType dtype) {
    SingleFileOptions opts = SingleFileOptions.defaults().withConfigDir(configDir);
    try (SingleFileCheckpoint ck = SingleFileCheckpoint.open(file, opts)) {
      for (String w : ck.warnings()) {
        System.err.println("warning: " + w);
      }
      String src = file + " (" + ck.kind() + ")";
      CLIPTextModel te = CLIPTextModel.load(new ConfigJson(ck.textEncoderConfig(), src),
          ck.textEncoder(), m, dtype);
      UNet2DConditionModel unet = UNet2DConditionModel.load(new ConfigJson(ck.unetConfig(), src),
          ck.unet(), m, dtype);
      AutoencoderKL vae = AutoencoderKL.load(new ConfigJson(ck.vaeConfig(), src), ck.vae(), m,
          dtype);
      String pad = ck.kind().name().startsWith("SD2") ? "!" : "<|endoftext|>";
      String name = file.getFileName().toString().replaceFirst("\\.safetensors$", "");
      CLIPTokenizer tok = CLIPTokenizer.defaultClip(pad);
      if (configDir != null && Files.isDirectory(configDir.resolve("tokenizer"))) {
        tok = CLIPTokenizer.fromFolder(configDir.resolve("tokenizer"));
      }
      return new LoadedModel(name, file, tok, te, unet, vae, ck.schedulerConfig());
    } catch (java.io.IOException e) {
      throw new UserError(file + ": " + e.getMessage(), e);
    }
  }

  /** Pixels per latent pixel. */
  public int vaeScaleFactor() {
    return vae.config().downsampleFactor();
  }
}
