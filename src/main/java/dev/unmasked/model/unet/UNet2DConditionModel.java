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

  /** What {@link #checkpointedBackward} returns: the loss and the gradient of the context. */
  public record CheckpointedPass(NDArray loss, NDArray contextGradient) {}

  /**
   * Forward and backward with activation checkpointing per block (torch.utils.checkpoint's
   * trade): one forward pass without a graph that keeps only each block's inputs and the skip
   * tensors, then, block by block from the output back, that block's forward again with a graph and
   * its backward, so only one block's activations are alive at a time. Parameter gradients
   * accumulate in the weights as after {@code loss.backward()}; the context's gradient is returned
   * (backpropagate it through the text encoder with {@code backward(sum(context * grad))}). Costs
   * about one more forward pass. Call inside an open {@code GradientCollector}. No observer: a loss
   * on attention maps needs the whole graph.
   *
   * @param lossOf the scalar loss from the UNet's output
   */
  public CheckpointedPass checkpointedBackward(NDArray sample, NDArray timestep, NDArray context,
      java.util.function.UnaryOperator<NDArray> lossOf) {
    if (!ai.djl.pytorch.jni.JniUtils.isGradMode()) {
      throw new IllegalStateException("checkpointedBackward needs an open GradientCollector");
    }
    long b = sample.getShape().get(0);
    NDArray t = timestep.toType(DataType.FLOAT32, false).reshape(-1);
    if (t.size() == 1 && b > 1) {
      t = t.broadcast(b);
    }
    NDArray tProj = timeEmbedding.project(t).toType(sample.getDataType(), false);
    // 1. the forward pass without a graph, keeping block inputs and skips
    List<NDArray> downIn = new ArrayList<>();
    List<Integer> downSkipStart = new ArrayList<>();
    List<NDArray> upIn = new ArrayList<>();
    List<List<NDArray>> upSkips = new ArrayList<>();
    List<long[]> upSizes = new ArrayList<>();
    List<NDArray> skips = new ArrayList<>();
    NDArray midIn;
    NDArray outIn;
    NDArray emb;
    ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    try {
      emb = timeEmbedding.embed(tProj);
      NDArray x = convIn.forward(sample);
      skips.add(x);
      for (DownBlock down : downBlocks) {
        downIn.add(x);
        downSkipStart.add(skips.size());
        x = down.forward(x, emb, context, null, skips);
      }
      midIn = x;
      x = midBlock.forward(x, emb, context, null);
      List<NDArray> pending = new ArrayList<>(skips);
      for (UpBlock up : upBlocks) {
        List<NDArray> mine = new ArrayList<>(pending.subList(pending.size() - up.numResnets(),
            pending.size()));
        pending.subList(pending.size() - up.numResnets(), pending.size()).clear();
        long[] size = pending.isEmpty() ? new long[] {-1, -1}
            : new long[] {pending.get(pending.size() - 1).getShape().get(2),
                pending.get(pending.size() - 1).getShape().get(3)};
        upIn.add(x);
        upSkips.add(mine);
        upSizes.add(size);
        x = up.forward(x, new ArrayList<>(mine), emb, context, null, size[0], size[1]); // consumes
      }
      outIn = x;
    } finally {
      ai.djl.pytorch.jni.JniUtils.setGradMode(true);
    }
    // 2. block by block backwards; gradients of the skips, emb and context accumulate
    java.util.IdentityHashMap<NDArray, NDArray> skipGrad = new java.util.IdentityHashMap<>();
    NDArray[] embGrad = {null};
    NDArray[] ctxGrad = {null};
    NDArray loss;
    NDArray g;
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      NDArray xl = leaf(outIn);
      loss = lossOf.apply(convOut.forward(Ops.silu(convNormOut.forward(xl))));
      backward(loss);
      g = keep(gradOf(xl));
      ai.djl.ndarray.NDScope.unregister(loss);
    }
    ai.djl.ndarray.NDScope.register(loss);
    for (int i = upBlocks.size() - 1; i >= 0; i--) {
      List<NDArray> mine = upSkips.get(i);
      long[] size = upSizes.get(i);
      NDArray gIn = g;
      UpBlock up = upBlocks.get(i);
      g = segment(gIn, (xl, el, cl) -> {
        List<NDArray> ml = new ArrayList<>();
        for (NDArray m : mine) {
          ml.add(leaf(m));
        }
        NDArray y = up.forward(xl, new ArrayList<>(ml), el, cl, null, size[0], size[1]);
        return new Object[] {y, ml};
      }, upIn.get(i), emb, context, embGrad, ctxGrad, (mlObj) -> {
        @SuppressWarnings("unchecked")
        List<NDArray> ml = (List<NDArray>) mlObj;
        for (int k = 0; k < ml.size(); k++) {
          addGrad(skipGrad, mine.get(k), gradOf(ml.get(k)));
        }
      });
      gIn.close();
    }
    NDArray gMid = g;
    g = segment(gMid, (xl, el, cl) -> new Object[] {midBlock.forward(xl, el, cl, null), null},
        midIn, emb, context, embGrad, ctxGrad, null);
    gMid.close();
    for (int i = downBlocks.size() - 1; i >= 0; i--) {
      int from = downSkipStart.get(i);
      int to = i + 1 < downBlocks.size() ? downSkipStart.get(i + 1) : skips.size();
      List<NDArray> produced = skips.subList(from, to);
      NDArray gNext = g;
      DownBlock down = downBlocks.get(i);
      try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
        NDArray xl = leaf(downIn.get(i));
        NDArray el = leaf(emb);
        NDArray cl = leaf(context);
        List<NDArray> out = new ArrayList<>();
        NDArray y = down.forward(xl, el, cl, null, out);
        NDArray objective = y.mul(gNext).sum();
        for (int k = 0; k < out.size(); k++) {
          NDArray gs = skipGrad.get(produced.get(k));
          if (gs != null) {
            objective = objective.add(out.get(k).mul(gs).sum());
          }
        }
        backward(objective);
        g = keep(gradOf(xl));
        accumulate(embGrad, gradOf(el));
        accumulate(ctxGrad, gradOf(cl));
      }
      gNext.close();
      for (NDArray p : produced) {
        NDArray gs = skipGrad.remove(p);
        if (gs != null && p != skips.get(0)) {
          gs.close();
        } else if (gs != null) {
          skipGrad.put(p, gs);
        }
      }
    }
    // conv_in: its output is the first skip and the first down block's input
    if (trains("conv_in.") || isTrainedLeaf(sample)) {
      try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
        NDArray x0 = convIn.forward(sample);
        NDArray objective = x0.mul(g).sum();
        NDArray gs = skipGrad.get(skips.get(0));
        if (gs != null) {
          objective = objective.add(x0.mul(gs).sum());
        }
        backward(objective);
      }
    }
    g.close();
    skipGrad.values().forEach(NDArray::close);
    if (embGrad[0] != null && trains("time_embedding.")) {
      try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
        backward(timeEmbedding.embed(tProj).mul(embGrad[0]).sum());
      }
    }
    if (embGrad[0] != null) {
      embGrad[0].close();
    }
    return new CheckpointedPass(loss, ctxGrad[0]);
  }

  private interface Segment {
    Object[] run(NDArray x, NDArray emb, NDArray context);
  }

  /** One block again with a graph, its backward against {@code gOut}; the input's gradient. */
  private static NDArray segment(NDArray gOut, Segment body, NDArray in, NDArray emb,
      NDArray context, NDArray[] embGrad, NDArray[] ctxGrad,
      java.util.function.Consumer<Object> extra) {
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      NDArray xl = leaf(in);
      NDArray el = leaf(emb);
      NDArray cl = leaf(context);
      Object[] r = body.run(xl, el, cl);
      backward(((NDArray) r[0]).mul(gOut).sum());
      if (extra != null) {
        extra.accept(r[1]);
      }
      accumulate(embGrad, gradOf(el));
      accumulate(ctxGrad, gradOf(cl));
      return keep(gradOf(xl));
    }
  }

  /** A detached copy of {@code a} that requires a gradient (a leaf of one block's graph). */
  private static NDArray leaf(NDArray a) {
    NDArray l = a.stopGradient();
    l.setRequiresGradient(true);
    return l;
  }

  /** Whether any weight under {@code prefix} is trained (requires a gradient; weights are leaves). */
  private boolean trains(String prefix) {
    for (Map.Entry<String, NDArray> e : params.all().entrySet()) {
      if (e.getKey().startsWith(prefix) && isTrainedLeaf(e.getValue())) {
        return true;
      }
    }
    return false;
  }

  /** For leaves (weights, inputs) only: DJL answers false for results that autograd tracks. */
  private static boolean isTrainedLeaf(NDArray a) {
    return ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) a);
  }

  private static void backward(NDArray scalar) {
    ai.djl.pytorch.jni.JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) scalar,
        (ai.djl.pytorch.engine.PtNDArray) scalar.onesLike(), false, false);
  }

  /** The gradient of a leaf, or null where the block did not use it (no graph reached it). */
  private static NDArray gradOf(NDArray leaf) {
    return ai.djl.pytorch.jni.JniUtils.getGradient((ai.djl.pytorch.engine.PtNDArray) leaf);
  }

  /** A copy that outlives the block's scope (null stays null). */
  private static NDArray keep(NDArray grad) {
    if (grad == null) {
      return null;
    }
    NDArray c = grad.duplicate();
    ai.djl.ndarray.NDScope.unregister(c);
    return c;
  }

  private static void accumulate(NDArray[] sum, NDArray grad) {
    if (grad == null) {
      return;
    }
    if (sum[0] == null) {
      sum[0] = keep(grad);
    } else {
      sum[0].addi(grad);
    }
  }

  private static void addGrad(java.util.IdentityHashMap<NDArray, NDArray> map, NDArray key,
      NDArray grad) {
    if (grad == null) {
      return;
    }
    NDArray have = map.get(key);
    if (have == null) {
      map.put(key, keep(grad));
    } else {
      have.addi(grad);
    }
  }

  private static void emit(BiConsumer<String, NDArray> tap, String name, NDArray value) {
    if (tap != null) {
      tap.accept(name, value);
    }
  }
}
