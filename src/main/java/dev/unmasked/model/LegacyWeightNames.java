package dev.unmasked.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Old diffusers/transformers names that still occur in hub checkpoints, as tables applied when a
 * weight is read (the models themselves only know the current names):
 *
 * <ul>
 *   <li>The VAE mid-block attention of diffusers before 0.14 ({@code AttentionBlock}) stored {@code
 *       query, key, value, proj_attn}; today's {@code Attention} uses {@code to_q, to_k, to_v,
 *       to_out.0}. diffusers renames them in {@code _convert_deprecated_attention_blocks}.
 *   <li>Some converted checkpoints keep those projections as 1x1 convolutions, {@code [C, C, 1, 1]};
 *       the linear layer wants {@code [C, C]} (same bytes).
 *   <li>transformers before 4.31 saved the buffer {@code text_model.embeddings.position_ids}; it is
 *       just {@code arange(77)} and is ignored.
 * </ul>
 */
public final class LegacyWeightNames {
  private LegacyWeightNames() {}

  /** A current-name pattern and the legacy name it may be stored under ($1, $2 from the pattern). */
  private record Alias(Pattern current, String legacy) {}

  private static final List<Alias> ALIASES =
      List.of(
          new Alias(Pattern.compile("(.*\\battentions\\.\\d+\\.)to_q\\.(weight|bias)"), "$1query.$2"),
          new Alias(Pattern.compile("(.*\\battentions\\.\\d+\\.)to_k\\.(weight|bias)"), "$1key.$2"),
          new Alias(Pattern.compile("(.*\\battentions\\.\\d+\\.)to_v\\.(weight|bias)"), "$1value.$2"),
          new Alias(
              Pattern.compile("(.*\\battentions\\.\\d+\\.)to_out\\.0\\.(weight|bias)"),
              "$1proj_attn.$2"));

  /** Attention projection weights that may be stored as 1x1 convolutions. */
  private static final Pattern SQUEEZABLE =
      Pattern.compile(
          ".*\\battentions\\.\\d+\\.(to_q|to_k|to_v|to_out\\.0|query|key|value|proj_attn)\\.weight");

  /** Stored keys that no model binds and that {@link WeightBinder#finish()} does not report. */
  private static final List<Pattern> IGNORED =
      List.of(Pattern.compile("(.*\\.)?text_model\\.embeddings\\.position_ids"));

  /** The legacy names {@code key} may be stored under, most likely first; empty if none. */
  public static List<String> alternatives(String key) {
    List<String> out = new ArrayList<>();
    for (Alias a : ALIASES) {
      Matcher m = a.current().matcher(key);
      if (m.matches()) {
        out.add(m.replaceFirst(a.legacy()));
      }
    }
    return out;
  }

  /** Whether a stored key is known to be unused by every model (and so never reported unused). */
  public static boolean isIgnored(String storedKey) {
    for (Pattern p : IGNORED) {
      if (p.matcher(storedKey).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code stored} may be read as {@code expected} without moving data: a legacy 1x1-conv
   * attention weight {@code [a, b, 1, 1]} read as a linear weight {@code [a, b]}.
   */
  public static boolean squeezes(String storedKey, long[] stored, long[] expected) {
    return expected.length == 2
        && stored.length == 4
        && stored[2] == 1
        && stored[3] == 1
        && Arrays.equals(Arrays.copyOf(stored, 2), expected)
        && SQUEEZABLE.matcher(storedKey).matches();
  }
}
