package dev.unmasked.model.clip;

import ai.djl.ndarray.NDArray;
import dev.unmasked.nn.LayerNormLayer;
import dev.unmasked.nn.LinearLayer;
import dev.unmasked.nn.Ops;
import dev.unmasked.nn.Params;

/**
 * transformers {@code CLIPEncoderLayer}: pre-LN causal self-attention and MLP, each with a residual.
 */
final class CLIPEncoderLayer {
  private final LayerNormLayer layerNorm1;
  private final LinearLayer qProj;
  private final LinearLayer kProj;
  private final LinearLayer vProj;
  private final LinearLayer outProj;
  private final LayerNormLayer layerNorm2;
  private final LinearLayer fc1;
  private final LinearLayer fc2;
  private final int heads;
  private final boolean quickGelu;

  CLIPEncoderLayer(Params p, String prefix, CLIPTextConfig c) {
    long d = c.hiddenSize();
    float eps = (float) c.layerNormEps();
    layerNorm1 = LayerNormLayer.load(p, prefix + ".layer_norm1", d, eps);
    qProj = LinearLayer.load(p, prefix + ".self_attn.q_proj", d, d, true);
    kProj = LinearLayer.load(p, prefix + ".self_attn.k_proj", d, d, true);
    vProj = LinearLayer.load(p, prefix + ".self_attn.v_proj", d, d, true);
    outProj = LinearLayer.load(p, prefix + ".self_attn.out_proj", d, d, true);
    layerNorm2 = LayerNormLayer.load(p, prefix + ".layer_norm2", d, eps);
    fc1 = LinearLayer.load(p, prefix + ".mlp.fc1", d, c.intermediateSize(), true);
    fc2 = LinearLayer.load(p, prefix + ".mlp.fc2", c.intermediateSize(), d, true);
    heads = c.numAttentionHeads();
    quickGelu = c.hiddenAct().equals("quick_gelu");
  }

  /**
   * @param x [B, T, D]
   * @param causalMask [T, T] additive (0 on and below the diagonal, dtype-min above)
   */
  NDArray forward(NDArray x, NDArray causalMask) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    long d = x.getShape().get(2);
    long hd = d / heads;
    NDArray h = layerNorm1.forward(x);
    NDArray q = Ops.mulScalar(qProj.forward(h), 1.0 / Math.sqrt(hd)); // transformers scales q first
    NDArray k = kProj.forward(h);
    NDArray v = vProj.forward(h);
    q = q.reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // [B, H, T, hd]
    k = k.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
    v = v.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(causalMask); // [B, H, T, T]
    NDArray attn = Ops.softmaxLast(scores).matMul(v); // [B, H, T, hd]
    attn = attn.transpose(0, 2, 1, 3).reshape(b, t, d);
    x = x.add(outProj.forward(attn));
    NDArray m = fc1.forward(layerNorm2.forward(x));
    m = quickGelu ? Ops.quickGelu(m) : Ops.gelu(m);
    return x.add(fc2.forward(m));
  }
}
