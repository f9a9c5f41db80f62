package dev.unmasked.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.unmasked.io.TensorSource;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.WeightBinder;
import dev.unmasked.nn.LayerNormLayer;
import dev.unmasked.nn.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * transformers {@code CLIPTextModel}: token ids [B, T] -> last_hidden_state [B, T, D] (after the
 * final layer norm), pooled output [B, D] and all hidden states (embeddings, then each layer's
 * output before the final layer norm; index -2 is "clip skip 2").
 *
 * <p>The token table can be extended with extra rows for new tokens (concept placeholders); those
 * rows live in their own array so that they alone can be trained.
 */
public final class CLIPTextModel {
  private final CLIPTextConfig config;
  private final Params params;
  private final NDArray tokenEmbedding; // [V, D]
  private final NDArray positionEmbedding; // [77, D]
  private final List<CLIPEncoderLayer> layers = new ArrayList<>();
  private final LayerNormLayer finalLayerNorm;
  private NDArray extraTokens; // [K, D] or null; ids V..V+K-1

  public CLIPTextModel(CLIPTextConfig c, TensorSource weights, NDManager manager,
      DataType dtype) {
    this(c, new Params(new WeightBinder(weights), manager, dtype));
  }

  /** Builds the network taking (or initialising) its weights from {@code params}. */
  public CLIPTextModel(CLIPTextConfig c, Params params) {
    this.config = c;
    this.params = params;
    long d = c.hiddenSize();
    tokenEmbedding = params.get("text_model.embeddings.token_embedding.weight", c.vocabSize(), d);
    positionEmbedding = params.get("text_model.embeddings.position_embedding.weight",
        c.maxPositionEmbeddings(), d);
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      layers.add(new CLIPEncoderLayer(params, "text_model.encoder.layers." + i, c));
    }
    finalLayerNorm = LayerNormLayer.load(params, "text_model.final_layer_norm", d,
        (float) c.layerNormEps());
    params.finish();
  }

  public static CLIPTextModel load(ConfigJson config, TensorSource weights, NDManager manager,
      DataType dtype) {
    return new CLIPTextModel(CLIPTextConfig.from(config), weights, manager, dtype);
  }

  public CLIPTextConfig config() {
    return config;
  }

  public Map<String, NDArray> parameters() {
    return params.all();
  }

  /** The frozen base table [V, D]. */
  public NDArray tokenEmbedding() {
    return tokenEmbedding;
  }

  /**
   * Sets the rows for ids V..V+K-1 (replacing earlier extra rows). The caller owns {@code rows}
   * [K, D] and may mark it as requiring gradients to train it.
   */
  public void setExtraTokens(NDArray rows) {
    if (rows != null && rows.getShape().get(1) != config.hiddenSize()) {
      throw new IllegalArgumentException("extra token rows have width " + rows.getShape().get(1)
          + " but this text encoder's hidden size is " + config.hiddenSize());
    }
    this.extraTokens = rows;
  }

  public NDArray extraTokens() {
    return extraTokens;
  }

  /** Total ids understood: V plus the extra rows. */
  public long vocabularySize() {
    return config.vocabSize() + (extraTokens == null ? 0 : extraTokens.getShape().get(0));
  }

  /** token ids [B, T] (int64) -> embeddings + positions [B, T, D]. */
  NDArray embed(NDArray ids) {
    long v = config.vocabSize();
    long max = ids.max().getLong();
    if (max >= vocabularySize() || ids.min().getLong() < 0) {
      throw new IllegalArgumentException("token id " + max + " outside the vocabulary of "
          + vocabularySize() + " (added tokens need their embedding rows)");
    }
    NDArray base = embedding(ids.clip(0, v - 1), tokenEmbedding);
    if (extraTokens != null && max >= v) {
      NDArray isExtra = ids.gte(v).expandDims(-1); // [B, T, 1]
      NDArray extra = embedding(ids.sub(v).clip(0, extraTokens.getShape().get(0) - 1), extraTokens);
      base = NDArrays.where(isExtra, extra, base);
    }
    long t = ids.getShape().get(1);
    return base.add(positionEmbedding.get(new NDIndex("0:" + t)).expandDims(0));
  }

  private static NDArray embedding(NDArray ids, NDArray table) {
    return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /** Output of {@link #forward}. hiddenStates has numHiddenLayers + 1 entries. */
  public record Output(NDArray lastHiddenState, NDArray pooledOutput, List<NDArray> hiddenStates) {}

  /** ids [B, T] int64 -> {@link Output}. */
  public Output forward(NDArray ids) {
    NDManager m = ids.getManager();
    long t = ids.getShape().get(1);
    NDArray x = embed(ids);
    NDArray causal = causalMask(m, (int) t, x.getDataType()); // [T, T]
    List<NDArray> hidden = new ArrayList<>();
    hidden.add(x);
    for (CLIPEncoderLayer layer : layers) {
      x = layer.forward(x, causal);
      hidden.add(x);
    }
    NDArray last = finalLayerNorm.forward(x);
    NDArray pooled = pool(last, ids);
    return new Output(last, pooled, hidden);
  }

  /** Additive mask: 0 on and below the diagonal, the dtype's lowest value above (as transformers). */
  private static NDArray causalMask(NDManager m, int t, DataType dtype) {
    if (dtype == DataType.FLOAT64) {
      double[] d = new double[t * t];
      for (int i = 0; i < t; i++) {
        for (int j = i + 1; j < t; j++) {
          d[i * t + j] = -Double.MAX_VALUE;
        }
      }
      return m.create(d, new Shape(t, t));
    }
    float[] f = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        f[i * t + j] = -Float.MAX_VALUE;
      }
    }
    NDArray a = m.create(f, new Shape(t, t));
    return dtype == DataType.FLOAT32 ? a : a.toType(dtype, false);
  }

  /**
   * transformers' pooling: with eos_token_id == 2 (SD 1.x/2.x configs) the legacy rule takes the
   * position of the largest id (the first end-of-text); otherwise the first eos position.
   */
  private NDArray pool(NDArray last, NDArray ids) {
    long b = ids.getShape().get(0);
    long[] flat = ids.toLongArray();
    long t = ids.getShape().get(1);
    List<NDArray> rows = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      int pos = 0;
      for (int j = 0; j < t; j++) {
        long id = flat[(int) (i * t + j)];
        if (config.eosTokenId() == 2) {
          if (id > flat[(int) (i * t + pos)]) {
            pos = j;
          }
        } else if (id == config.eosTokenId()) {
          pos = j;
          break;
        }
      }
      rows.add(last.get(new NDIndex(i + ", " + pos)).expandDims(0));
    }
    return rows.size() == 1 ? rows.get(0) : NDArrays.stackRows(rows);
  }

  /** Small helpers over DJL. */
  private static final class NDArrays {
    static NDArray where(NDArray cond, NDArray a, NDArray b) {
      return ai.djl.ndarray.NDArrays.where(cond.broadcast(a.getShape()), a, b);
    }

    static NDArray stackRows(List<NDArray> rows) {
      return ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(rows), 0);
    }
  }
}
