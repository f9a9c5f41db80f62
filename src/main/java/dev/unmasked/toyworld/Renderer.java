package dev.unmasked.toyworld;

import java.util.List;

/**
 * Renders a {@link Scene} at {@code scale} output pixels per canvas pixel (1 = 64x64, 4 = 256x256
 * display). Pure Java arithmetic on explicit geometry, no Java2D rasteriser or fonts, so the output
 * is identical on every machine. Stateless and thread-safe.
 */
public final class Renderer {

  private Renderer() {}

  /** Renders image and label map. */
  public static Rendering render(Scene scene, int scale) {
    if (scale < 1 || scale > 64) {
      throw new IllegalArgumentException("scale must be 1..64, got " + scale);
    }
    int side = Scene.CANVAS * scale;
    Background.Texture tex = scene.background().texture(scene.backgroundSeed());
    List<SceneObject> objects = scene.objects();
    SceneObject.Painter[] painters = new SceneObject.Painter[objects.size()];
    for (int i = 0; i < painters.length; i++) {
      painters[i] = objects.get(i).painter();
    }
    int[] rgb = new int[side * side];
    int[] labels = new int[side * side];
    for (int py = 0; py < side; py++) {
      double v = (py + 0.5) / scale;
      for (int px = 0; px < side; px++) {
        double u = (px + 0.5) / scale;
        int label = 0;
        for (int i = painters.length - 1; i >= 0; i--) {
          if (painters[i].covers(u, v)) {
            label = i + 1;
            break;
          }
        }
        int k = py * side + px;
        labels[k] = label;
        rgb[k] = label == 0 ? tex.rgb(u, v) : painters[label - 1].rgb(u, v);
      }
    }
    return new Rendering(side, side, rgb, labels, objects.size());
  }

  /** The background texture alone, {@code [side*side]} 0xRRGGBB (what label-0 pixels must show). */
  public static int[] backgroundOnly(Scene scene, int scale) {
    int side = Scene.CANVAS * scale;
    Background.Texture tex = scene.background().texture(scene.backgroundSeed());
    int[] rgb = new int[side * side];
    for (int py = 0; py < side; py++) {
      for (int px = 0; px < side; px++) {
        rgb[py * side + px] = tex.rgb((px + 0.5) / scale, (py + 0.5) / scale);
      }
    }
    return rgb;
  }

  /** Label map at scale 1 without painting (cheap: used by placement and the judge's segmentation targets). */
  public static int[] labels(Scene scene) {
    List<SceneObject> objects = scene.objects();
    SceneObject.Painter[] painters = new SceneObject.Painter[objects.size()];
    for (int i = 0; i < painters.length; i++) {
      painters[i] = objects.get(i).painter();
    }
    int[] labels = new int[Scene.CANVAS * Scene.CANVAS];
    for (int py = 0; py < Scene.CANVAS; py++) {
      for (int px = 0; px < Scene.CANVAS; px++) {
        for (int i = painters.length - 1; i >= 0; i--) {
          if (painters[i].covers(px + 0.5, py + 0.5)) {
            labels[py * Scene.CANVAS + px] = i + 1;
            break;
          }
        }
      }
    }
    return labels;
  }

  /** Pixels of the 64x64 canvas each object would cover if nothing occluded it. */
  static int fullArea(SceneObject o) {
    SceneObject.Painter p = o.painter();
    int n = 0;
    for (int py = 0; py < Scene.CANVAS; py++) {
      for (int px = 0; px < Scene.CANVAS; px++) {
        n += p.covers(px + 0.5, py + 0.5) ? 1 : 0;
      }
    }
    return n;
  }
}
