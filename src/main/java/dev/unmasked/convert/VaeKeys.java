package dev.unmasked.convert;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Key table for the VAE: LDM {@code autoencoder.AutoencoderKL} names to diffusers {@code
 * AutoencoderKL} names. LDM numbers the decoder levels from the highest resolution, diffusers from
 * the lowest, so {@code decoder.up.(n-1-i)} is {@code decoder.up_blocks.i}.
 */
public final class VaeKeys {
  private VaeKeys() {}

  /** Where VAE tensors live in a single file. */
  public static final String PREFIX = "first_stage_model.";

  private static final Pattern LDM_ENCODER = Pattern.compile("^encoder\\.down\\.(\\d+)\\.block\\.(\\d+)\\.");
  private static final Pattern DIFFUSERS_ENCODER =
      Pattern.compile("^encoder\\.down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.");

  /**
   * @param levels resolution levels ({@code len(block_out_channels)})
   * @param layersPerBlock encoder resnets per level; the decoder has one more per level
   */
  public record Layout(int levels, int layersPerBlock) {

    /** Reads the layout from LDM names (full keys with {@link #PREFIX}); other keys are ignored. */
    public static Layout fromLdmKeys(Collection<String> keys) {
      return scan(keys, PREFIX, LDM_ENCODER);
    }

    /** Reads the layout from diffusers names (no component prefix). */
    public static Layout fromDiffusersKeys(Collection<String> keys) {
      return scan(keys, "", DIFFUSERS_ENCODER);
    }

    private static Layout scan(Collection<String> keys, String prefix, Pattern encoderResnet) {
      int levels = 0;
      int blocks = 0;
      for (String k : keys) {
        if (!k.startsWith(prefix)) {
          continue;
        }
        Matcher m = encoderResnet.matcher(k.substring(prefix.length()));
        if (m.find()) {
          levels = Math.max(levels, Integer.parseInt(m.group(1)) + 1);
          blocks = Math.max(blocks, Integer.parseInt(m.group(2)) + 1);
        }
      }
      if (levels == 0) {
        throw new IllegalArgumentException("no VAE encoder resnets found (encoder.down.<i>.block.<j>)");
      }
      return new Layout(levels, blocks);
    }
  }

  /** The full VAE table for {@code layout}. */
  public static KeyTable table(Layout layout) {
    List<KeyTable.Row> rows = new ArrayList<>();
    for (String same : List.of("encoder.conv_in.", "encoder.conv_out.", "decoder.conv_in.",
        "decoder.conv_out.", "quant_conv.", "post_quant_conv.")) {
      rows.add(new KeyTable.Row(same, same, KeyTables.PARAM));
    }
    int n = layout.levels();
    for (String part : List.of("encoder", "decoder")) {
      rows.add(new KeyTable.Row(part + ".norm_out.", part + ".conv_norm_out.", KeyTables.PARAM));
      rows.add(new KeyTable.Row(part + ".mid.block_1.", part + ".mid_block.resnets.0.", KeyTables.VAE_RESNET));
      rows.add(new KeyTable.Row(part + ".mid.block_2.", part + ".mid_block.resnets.1.", KeyTables.VAE_RESNET));
      rows.add(new KeyTable.Row(part + ".mid.attn_1.", part + ".mid_block.attentions.0.", KeyTables.VAE_ATTENTION));
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < layout.layersPerBlock(); j++) {
        rows.add(new KeyTable.Row("encoder.down." + i + ".block." + j + ".",
            "encoder.down_blocks." + i + ".resnets." + j + ".", KeyTables.VAE_RESNET));
      }
      if (i < n - 1) {
        rows.add(new KeyTable.Row("encoder.down." + i + ".downsample.conv.",
            "encoder.down_blocks." + i + ".downsamplers.0.conv.", KeyTables.PARAM));
      }
      int ldmLevel = n - 1 - i; // reversed numbering
      for (int j = 0; j <= layout.layersPerBlock(); j++) {
        rows.add(new KeyTable.Row("decoder.up." + ldmLevel + ".block." + j + ".",
            "decoder.up_blocks." + i + ".resnets." + j + ".", KeyTables.VAE_RESNET));
      }
      if (i < n - 1) {
        rows.add(new KeyTable.Row("decoder.up." + ldmLevel + ".upsample.conv.",
            "decoder.up_blocks." + i + ".upsamplers.0.conv.", KeyTables.PARAM));
      }
    }
    return new KeyTable(PREFIX, rows);
  }
}
