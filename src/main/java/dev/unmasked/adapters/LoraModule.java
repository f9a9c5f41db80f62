package dev.unmasked.adapters;

import java.util.Arrays;

/**
 * The low-rank update of one weight: {@code delta W = (alpha / rank) * up @ down}, reshaped to the
 * weight's shape. For a Linear weight [out, in]: down [r, in], up [out, r]. For a conv weight
 * [out, in, kh, kw]: down [r, in, kh, kw] (or [r, in] for 1x1), up [out, r, 1, 1] (or [out, r]).
 *
 * @param path the diffusers module path with its component, e.g. {@code
 *     unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q} or {@code
 *     text_encoder.text_model.encoder.layers.0.self_attn.q_proj}; the weight is {@code path +
 *     ".weight"} inside the component
 * @param alpha the file's alpha; files without one (diffusers, PEFT) have alpha = rank
 * @param sourceKey the file key its down weight came from, for error messages
 */
public record LoraModule(String path, float[] down, long[] downShape, float[] up, long[] upShape,
    float alpha, String sourceKey) {

  public LoraModule {
    int dot = path.indexOf('.');
    if (dot <= 0 || dot == path.length() - 1) {
      throw new IllegalArgumentException("LoRA module path '" + path + "' lacks its component "
          + "prefix (unet. or text_encoder.)");
    }
    if (downShape.length != 2 && downShape.length != 4) {
      throw new IllegalArgumentException(path + ": down has shape " + Arrays.toString(downShape)
          + "; expected [rank, in] or [rank, in, kh, kw]");
    }
    if (upShape.length != 2 && !(upShape.length == 4 && upShape[2] == 1 && upShape[3] == 1)) {
      throw new IllegalArgumentException(path + ": up has shape " + Arrays.toString(upShape)
          + "; expected [out, rank] or [out, rank, 1, 1]");
    }
    if (upShape[1] != downShape[0] || downShape[0] < 1) {
      throw new IllegalArgumentException(path + ": up " + Arrays.toString(upShape) + " and down "
          + Arrays.toString(downShape) + " disagree on the rank");
    }
    if (numel(downShape) != down.length || numel(upShape) != up.length) {
      throw new IllegalArgumentException(path + ": data length does not match the shapes");
    }
  }

  /** "unet", "text_encoder" or "text_encoder_2". */
  public String component() {
    return path.substring(0, path.indexOf('.'));
  }

  /** The module path inside its component ({@code down_blocks.0....to_q}). */
  public String module() {
    return path.substring(path.indexOf('.') + 1);
  }

  public int rank() {
    return (int) downShape[0];
  }

  /** Output features: the weight's first dimension. */
  public long outFeatures() {
    return upShape[0];
  }

  /** alpha / rank: the factor between {@code up @ down} and the weight update at scale 1. */
  public float alphaOverRank() {
    return alpha / rank();
  }

  /** {@code up} with {@code alpha / rank} folded in (what diffusers and PEFT files store). */
  public float[] foldedUp() {
    float f = alphaOverRank();
    if (f == 1f) {
      return up;
    }
    float[] u = new float[up.length];
    for (int i = 0; i < u.length; i++) {
      u[i] = up[i] * f;
    }
    return u;
  }

  /** The same update with alpha / rank folded into up and alpha = rank. */
  public LoraModule folded() {
    return new LoraModule(path, down, downShape, foldedUp(), upShape, rank(), sourceKey);
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
