package dev.unmasked.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.UserError;
import dev.unmasked.pipeline.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges LoRAs into a loaded model's weights in place, as diffusers' {@code fuse_lora} does:
 * {@code W += scale * (alpha / rank) * up @ down} for every module, reshaped to W's shape (Linear
 * [out, in]; conv [out, in, kh, kw] with up [out, r, 1, 1]). {@code scale} is the user's strength
 * (1 = as trained). Biases are not touched. The layers hold the same arrays as {@code
 * parameters()}, so the model computes with the merged weights from then on.
 */
public final class Lora {
  private Lora() {}

  /** Reads each file ({@link LoraFiles#read}) and merges them all at {@code scale}. */
  public static void merge(LoadedModel model, List<Path> files, double scale) {
    List<LoraWeights> all = new ArrayList<>();
    for (Path f : files) {
      all.add(LoraFiles.read(f));
    }
    mergeAll(model, all, scale);
  }

  /** Merges one LoRA into {@code model}'s UNet and text encoder at {@code scale}. */
  public static void merge(LoadedModel model, LoraWeights lora, double scale) {
    mergeAll(model, List.of(lora), scale);
  }

  /** Merges several LoRAs at one {@code scale}; all are checked before any weight changes. */
  public static void mergeAll(LoadedModel model, List<LoraWeights> loras, double scale) {
    Map<String, Map<String, NDArray>> components = new LinkedHashMap<>();
    components.put("unet", model.unet().parameters());
    components.put("text_encoder", model.textEncoder().parameters());
    mergeAll(components, loras, scale);
  }

  /**
   * Merges {@code loras} into weights grouped by component name ({@code unet}, {@code
   * text_encoder}) and keyed by their diffusers/transformers names. Every module is checked first
   * (its weight exists and has the matching shape); only then is any weight changed, so an error
   * leaves the weights as they were.
   *
   * @throws UserError naming the LoRA file, its key and the missing or mis-shaped weight
   */
  public static void mergeAll(Map<String, Map<String, NDArray>> components,
      List<LoraWeights> loras, double scale) {
    if (!Double.isFinite(scale)) {
      throw new UserError("LoRA scale must be a finite number; got " + scale);
    }
    List<NDArray> targets = new ArrayList<>();
    List<LoraModule> modules = new ArrayList<>();
    for (LoraWeights lora : loras) {
      for (LoraModule m : lora.modules().values()) {
        targets.add(target(components, lora, m));
        modules.add(m);
      }
    }
    for (int i = 0; i < modules.size(); i++) {
      NDArray w = targets.get(i);
      try (NDScope scope = new NDScope()) {
        w.addi(delta(w.getManager(), modules.get(i), w.getShape(), scale)
            .toType(w.getDataType(), false));
      }
    }
  }

  /** {@code scale * (alpha / rank) * up @ down} in float32, shaped like the weight. */
  static NDArray delta(NDManager mgr, LoraModule m, Shape weightShape, double scale) {
    long r = m.rank();
    NDArray up = mgr.create(m.foldedUp(), new Shape(m.outFeatures(), r)); // [out, r]
    NDArray down = mgr.create(m.down(), new Shape(r, m.down().length / r)); // [r, in*kh*kw]
    NDArray d = up.matMul(down).reshape(weightShape); // [out, in(, kh, kw)]
    return scale == 1.0 ? d : d.mul((float) scale);
  }

  private static NDArray target(Map<String, Map<String, NDArray>> components, LoraWeights lora,
      LoraModule m) {
    Map<String, NDArray> params = components.get(m.component());
    String key = m.module() + ".weight";
    NDArray w = params == null ? null : params.get(key);
    if (w == null) {
      throw new UserError(lora.source() + ": LoRA key '" + m.sourceKey() + "' targets "
          + m.component() + " weight '" + key + "', which this model does not have"
          + (params == null ? " (the model has no " + m.component() + ")" : "")
          + "; the LoRA was made for another model architecture");
    }
    long[] ws = w.getShape().getShape();
    long[] ds = m.downShape();
    boolean linear = ws.length == 2 && ds.length == 2;
    boolean conv = ws.length == 4
        && (ds.length == 4 ? ds[2] == ws[2] && ds[3] == ws[3] : ws[2] == 1 && ws[3] == 1);
    if (!(linear || conv) || ws[0] != m.outFeatures() || ws[1] != ds[1]) {
      throw new UserError(lora.source() + ": LoRA key '" + m.sourceKey() + "' has down "
          + Arrays.toString(ds) + " and up " + Arrays.toString(m.upShape()) + ", which do not fit "
          + m.component() + " weight '" + key + "' of shape " + Arrays.toString(ws)
          + "; the LoRA was made for another model");
    }
    if (w.getDataType() != DataType.FLOAT32 && w.getDataType() != DataType.FLOAT16
        && w.getDataType() != DataType.FLOAT64) {
      throw new UserError(lora.source() + ": cannot merge into " + w.getDataType() + " weight '"
          + key + "'");
    }
    return w;
  }
}
