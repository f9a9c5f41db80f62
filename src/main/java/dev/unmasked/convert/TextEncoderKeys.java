package dev.unmasked.convert;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Key tables for the text encoder, named as transformers' {@code CLIPTextModel} state_dict
 * ({@code text_model.encoder.layers.0.self_attn.q_proj.weight}).
 *
 * <ul>
 *   <li>SD 1.x stores the transformers model itself under {@link #SD1_PREFIX}; names pass through.
 *   <li>SD 2.x stores an OpenCLIP text tower under {@link #OPENCLIP_PREFIX}; each {@code
 *       transformer.resblocks.i} becomes {@code text_model.encoder.layers.i}, with the fused
 *       {@code in_proj} split into q/k/v. Only the first {@code layers} blocks get rows: the real SD
 *       2.x file has a 24th block that is never run (the encoder output is the penultimate layer).
 * </ul>
 */
public final class TextEncoderKeys {
  private TextEncoderKeys() {}

  /** SD 1.x: transformers {@code CLIPTextModel} names follow. */
  public static final String SD1_PREFIX = "cond_stage_model.transformer.";

  /** SD 2.x: OpenCLIP {@code TextTransformer} names follow. */
  public static final String OPENCLIP_PREFIX = "cond_stage_model.model.";

  private static final Pattern RESBLOCK = Pattern.compile("^transformer\\.resblocks\\.(\\d+)\\.");

  /** SD 1.x table: every {@code text_model.*} name is kept. */
  public static KeyTable sd1() {
    return new KeyTable(SD1_PREFIX, List.of(new KeyTable.Row("text_model.", "text_model.", KeyTables.ANY)));
  }

  /** SD 2.x table mapping OpenCLIP blocks 0 .. layers-1. */
  public static KeyTable openClip(int layers) {
    List<KeyTable.Row> rows = new ArrayList<>();
    rows.add(new KeyTable.Row("token_embedding.", "text_model.embeddings.token_embedding.", KeyTables.PARAM));
    rows.add(new KeyTable.Row("positional_embedding",
        "text_model.embeddings.position_embedding.weight", KeyTables.WHOLE));
    rows.add(new KeyTable.Row("ln_final.", "text_model.final_layer_norm.", KeyTables.PARAM));
    for (int i = 0; i < layers; i++) {
      rows.add(new KeyTable.Row("transformer.resblocks." + i + ".",
          "text_model.encoder.layers." + i + ".", KeyTables.OPENCLIP_LAYER));
    }
    return new KeyTable(OPENCLIP_PREFIX, rows);
  }

  /** Number of OpenCLIP blocks stored (highest {@code transformer.resblocks.i} + 1). */
  public static int openClipBlocks(Collection<String> keys) {
    int n = 0;
    for (String k : keys) {
      if (k.startsWith(OPENCLIP_PREFIX)) {
        Matcher m = RESBLOCK.matcher(k.substring(OPENCLIP_PREFIX.length()));
        if (m.find()) {
          n = Math.max(n, Integer.parseInt(m.group(1)) + 1);
        }
      }
    }
    return n;
  }

  /** The full single-file prefix of OpenCLIP block {@code i} ({@code cond_stage_model.model.transformer.resblocks.i.}). */
  static String openClipBlockPrefix(int i) {
    return OPENCLIP_PREFIX + "transformer.resblocks." + i + ".";
  }
}
