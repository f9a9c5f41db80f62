package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.adapters.LoraModule;
import dev.unmasked.adapters.LoraWeights;
import dev.unmasked.model.unet.UNet2DConditionModel;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.training.TrainRng;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Phase 2's LoRA on the UNet's attention projections (to_q, to_k, to_v, to_out.0 of attn1 and
 * attn2), initialised as PEFT does: down uniform in +-1/sqrt(in) (kaiming-uniform with a = sqrt(5)),
 * up zero, so training starts from the unchanged model; alpha = rank (scale 1).
 */
final class LoraAdapters {
  static final Pattern TARGETS = Pattern.compile(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)$");

  private final Map<String, LinearLayer> layers = new LinkedHashMap<>();
  private final Map<String, NDArray> params = new LinkedHashMap<>();
  private final int rank;

  LoraAdapters(UNet2DConditionModel unet, int rank, long seed, NDManager m) {
    this.rank = rank;
    TrainRng rng = new TrainRng(seed);
    for (Map.Entry<String, LinearLayer> e : unet.linearLayers().entrySet()) {
      if (!TARGETS.matcher(e.getKey()).matches()) {
        continue;
      }
      LinearLayer l = e.getValue();
      long out = l.weight().getShape().get(0);
      long in = l.weight().getShape().get(1);
      float[] down = new float[(int) (rank * in)];
      double bound = 1 / Math.sqrt(in);
      for (int i = 0; i < down.length; i++) {
        down[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
      }
      NDArray d = m.create(down, new Shape(rank, in)).toType(l.weight().getDataType(), false);
      NDArray u = m.zeros(new Shape(out, rank), l.weight().getDataType());
      l.setLora(d, u, 1.0);
      layers.put(e.getKey(), l);
      params.put(e.getKey() + ".lora.down.weight", d);
      params.put(e.getKey() + ".lora.up.weight", u);
    }
    if (layers.isEmpty()) {
      throw new IllegalStateException("this UNet has no attention projections to adapt");
    }
  }

  /** The trainable tensors, by diffusers LoRA name. */
  Map<String, NDArray> params() {
    return params;
  }

  /** The trained adapters as a LoRA (for the diffusers and kohya writers). */
  LoraWeights weights() {
    List<LoraModule> mods = new ArrayList<>();
    for (Map.Entry<String, LinearLayer> e : layers.entrySet()) {
      NDArray d = e.getValue().loraDown();
      NDArray u = e.getValue().loraUp();
      mods.add(new LoraModule("unet." + e.getKey(),
          d.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), d.getShape().getShape(),
          u.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), u.getShape().getShape(),
          rank, e.getKey()));
    }
    return LoraWeights.of("unmasked learn", mods);
  }
}
