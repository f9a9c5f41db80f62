package dev.unmasked.convert;

import java.nio.file.Path;
import java.util.Set;

/**
 * The model family of a single-file checkpoint, decided by key naming, not by widths, so that tiny
 * test models are recognised as well as real ones:
 *
 * <ul>
 *   <li>{@link #SDXL}: any {@code conditioner.embedders.} key (two text encoders); refused for now.
 *   <li>{@link #SD2}: an OpenCLIP text encoder under {@code cond_stage_model.model.}.
 *   <li>{@link #SD1}: a transformers CLIP text encoder under {@code cond_stage_model.transformer.}.
 * </ul>
 */
public enum ModelKind {
  SD1("Stable Diffusion 1.x (CLIP ViT-L text encoder)"),
  SD2("Stable Diffusion 2.x (OpenCLIP ViT-H text encoder)"),
  SDXL("Stable Diffusion XL");

  /** Key-prefix markers, in the order they are tested. */
  static final String SDXL_MARKER = "conditioner.embedders.";

  private final String description;

  ModelKind(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /**
   * Detects the family of {@code keys}; the checks are listed in the error when nothing matches.
   *
   * @throws SingleFileException for SDXL (not supported yet), or for a file with neither naming
   */
  public static ModelKind detect(Path file, Set<String> keys) throws SingleFileException {
    boolean sdxl = false;
    boolean openClip = false;
    boolean clip = false;
    boolean unet = false;
    for (String k : keys) {
      sdxl |= k.startsWith(SDXL_MARKER);
      openClip |= k.startsWith(TextEncoderKeys.OPENCLIP_PREFIX);
      clip |= k.startsWith(TextEncoderKeys.SD1_PREFIX);
      unet |= k.startsWith(UnetKeys.PREFIX);
    }
    if (sdxl) {
      throw new SingleFileException(file,
          "this is a Stable Diffusion XL checkpoint (keys under '" + SDXL_MARKER
              + "'); SDXL single files are not supported yet. Use an SD 1.x or SD 2.x checkpoint.");
    }
    if (openClip && clip) {
      throw new SingleFileException(file,
          "holds both an SD 1.x text encoder ('" + TextEncoderKeys.SD1_PREFIX + "*') and an SD 2.x one ('"
              + TextEncoderKeys.OPENCLIP_PREFIX + "*'); cannot tell which model this is");
    }
    if (!unet || !(openClip || clip)) {
      throw new SingleFileException(file,
          "not an SD 1.x/2.x single-file checkpoint: looked for UNet keys '" + UnetKeys.PREFIX
              + "*' (" + (unet ? "found" : "none") + ") and a text encoder under '"
              + TextEncoderKeys.SD1_PREFIX + "*' (SD 1.x) or '" + TextEncoderKeys.OPENCLIP_PREFIX
              + "*' (SD 2.x) (none), SDXL '" + SDXL_MARKER + "*' (none). A LoRA, embedding or "
              + "diffusers-folder file cannot be opened as a checkpoint.");
    }
    return openClip ? SD2 : SD1;
  }
}
