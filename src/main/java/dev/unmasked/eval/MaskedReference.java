package dev.unmasked.eval;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Rendering;
import dev.unmasked.toyworld.Scene;

/**
 * A concept's masked reference, what its samples are compared with (the paper's CLIP-I/DINO
 * reference with the background masked out): the scene image inside the object's true visible mask,
 * and outside it a plain render of the background the sample was asked for (fixed texture seed), not
 * grey: the judge was trained on rendered backgrounds, so grey would be far from every sample and
 * the similarity would measure the background instead of the object. Occluded parts stay background.
 */
public final class MaskedReference {
  /** Texture seed of the reference backgrounds (one per background class). */
  static final long BACKGROUND_SEED = 424_242L;

  private MaskedReference() {}

  /** Packed 0xRRGGBB pixels (64x64, row-major) of object {@code object}'s reference on {@code background}. */
  public static int[] rgb(Scene scene, int object, Background background) {
    Rendering r = Renderer.render(scene, 1);
    Background.Texture tex = background.texture(BACKGROUND_SEED + background.ordinal());
    int side = r.width();
    int[] out = new int[side * side];
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int i = y * side + x;
        out[i] = r.labels()[i] == object + 1 ? r.rgb()[i] : tex.rgb(x + 0.5, y + 0.5);
      }
    }
    return out;
  }

  /** The reference as the judge reads it: {@code [3, 64, 64]} floats in [-1, 1]. */
  public static float[] chw(Scene scene, int object, Background background) {
    int[] rgb = rgb(scene, object, background);
    return Rendering.toChw(rgb, rgb.length);
  }
}
