package dev.unmasked.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.io.TensorSource;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.WeightBinder;
import dev.unmasked.model.layers.AttentionObserver;
import dev.unmasked.nn.Conv2dLayer;
import dev.unmasked.nn.GroupNormLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * diffusers {@code UNet2DConditionModel} for SD 1.x/2.x: predicts noise (or v) for latents
 * [B, 4, h, w] at timesteps [B] given text states [B, 77, cross_attention_dim]. Any latent size
 * works, including sizes the downsampling does not divide evenly (each upsampler resizes to its
 * skip tensor).
 */
public final class UNet2DConditionModel {
  private final UNet2DConditionConfig config;
  private final Params params;
  private final TimestepEmbedding timeEmbedding;
  private final Conv2dLayer convIn;
  private final List<DownBlock> downBlocks = new ArrayList<>();
  private final UNetMidBlock2DCrossAttn midBlock;
  private final List<UpBlock> upBlocks = new ArrayList<>();
  private final GroupNormLayer convNormOut;
  private final Conv2dLayer convOut;

  /** Builds the network from its config, binding every weight by its diffusers key. */
  public UNet2DConditionModel(UNet2DConditionConfig c, TensorSource weights, NDManager manager,
      DataType dtype) {
    this(c, new Params(new WeightBinder(weights), manager, dtype));
  }

  /** Builds the network taking (or initialising) its weights from {@code params}. */
  public UNet2DConditionModel(UNet2DConditionConfig c, Params params) {
    this.config = c;
    this.params = params;
    Params p = params;
    List<Integer> boc = c.blockOutChannels();
    int n = boc.size();
    long temb = boc.get(0) * 4L;
    timeEmbedding = new TimestepEmbedding(p, "time_embedding", boc.get(0), temb, c.flipSinToCos(),
        c.freqShift());
    convIn = Conv2dLayer.load(p, "conv_in", c.inChannels(), boc.get(0), 3, 1, 1);
    long out = boc.get(0);
    for (int i = 0; i < n; i++) {
      long in = out;
      out = boc.get(i);
      downBlocks.add(new DownBlock(p, "down_blocks." + i, c,
          c.downBlockTypes().get(i).startsWith("CrossAttn"), in, out, temb,
          c.attentionHeadDim().get(i), i < n - 1));
    }
    midBlock = new UNetMidBlock2DCrossAttn(p, "mid_block", c, boc.get(n - 1), temb,
        c.attentionHeadDim().get(n - 1));
    long prevOut = boc.get(n - 1);
    for (int i = 0; i < n; i++) {
      long upOut = boc.get(n - 1 - i);
      long in = boc.get(Math.max(n - 2 - i, 0));
      upBlocks.add(new UpBlock(p, "up_blocks." + i, c,
          c.upBlockTypes().get(i).startsWith("CrossAttn"), in, prevOut, upOut, temb,
          c.attentionHeadDim().get(n - 1 - i), i < n - 1));
      prevOut = upOut;
    }
    convNormOut = GroupNormLayer.load(p, "conv_norm_out", c.normNumGroups(), boc.get(0),
        (float) c.normEps());
    convOut = Conv2dLayer.load(p, "conv_out", boc.get(0), c.outChannels(), 3, 1, 1);
    p.finish();
  }

  /** Reads {@code config.json} and binds {@code weights}. */
  public static UNet2DConditionModel load(ConfigJson config, TensorSource weights,
      NDManager manager, DataType dtype) {
    return new UNet2DConditionModel(UNet2DConditionConfig.from(config), weights, manager, dtype);
  }

  public UNet2DConditionConfig config() {
    return config;
  }

  /** Every weight by its diffusers key. */
  public Map<String, NDArray> parameters() {
    return params.all();
  }

  /** Every linear layer by module path (attention projections: LoRA targets). */
  public Map<String, dev.unmasked.nn.LinearLayer> linearLayers() {
    return params.linearLayers();
  }

  /** Same as {@link #forward(NDArray, NDArray, NDArray, AttentionObserver, BiConsumer)} without taps. */
  public NDArray forward(NDArray sample, NDArray timestep, NDArray context,
      AttentionObserver observer) {
    return forward(sample, timestep, context, observer, null);
  }

  /**
   * @param sample [B, in_channels, h, w]
   * @param timestep 0-d, [1] or [B]; integer or fractional
   * @param context [B, 77, cross_attention_dim]
   * @param observer receives cross/self-attention probabilities, or null
   * @param tap receives named intermediates (time_proj, conv_in, down_blocks.i, ...), or null
   * @return [B, out_channels, h, w]
   */
  public NDArray forward(NDArray sample, NDArray timestep, NDArray context,
      AttentionObserver observer, BiConsumer<String, NDArray> tap) {
    long b = sample.getShape().get(0);
    // 1. time
    NDArray t = timestep.toType(DataType.FLOAT32, false).reshape(-1);
    if (t.size() == 1 && b > 1) {
      t = t.broadcast(b);
    }
    NDArray tProj = timeEmbedding.project(t).toType(sample.getDataType(), false); // [B, c0]
    NDArray emb = timeEmbedding.embed(tProj); // [B, 4*c0]
    emit(tap, "time_proj", tProj);
    emit(tap, "time_embedding", emb);
    // 2. pre-process
    NDArray x = convIn.forward(sample); // [B, c0, h, w]
    emit(tap, "conv_in", x);
    // 3. down
    List<NDArray> skips = new ArrayList<>();
    skips.add(x);
    for (int i = 0; i < downBlocks.size(); i++) {
      x = downBlocks.get(i).forward(x, emb, context, observer, skips);
      emit(tap, "down_blocks." + i, x);
    }
    // 4. mid
    x = midBlock.forward(x, emb, context, observer);
    emit(tap, "mid_block", x);
    // 5. up
    for (int i = 0; i < upBlocks.size(); i++) {
      UpBlock up = upBlocks.get(i);
      List<NDArray> mine = new ArrayList<>(skips.subList(skips.size() - up.numResnets(),
          skips.size()));
      skips.subList(skips.size() - up.numResnets(), skips.size()).clear();
      long upH = -1;
      long upW = -1;
      if (!skips.isEmpty()) {
        upH = skips.get(skips.size() - 1).getShape().get(2);
        upW = skips.get(skips.size() - 1).getShape().get(3);
      }
      x = up.forward(x, mine, emb, context, observer, upH, upW);
      emit(tap, "up_blocks." + i, x);
    }
    // 6. post-process
    x = convNormOut.forward(x);
    emit(tap, "conv_norm_out", x);
    return convOut.forward(Ops.silu(x));
  }

  private static void emit(BiConsumer<String, NDArray> tap, String name, NDArray value) {
    if (tap != null) {
      tap.accept(name, value);
    }
  }
}
