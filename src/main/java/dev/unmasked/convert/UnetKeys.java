package dev.unmasked.convert;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Key table for the UNet: LDM {@code openaimodel.UNetModel} names ({@code input_blocks.k.m},
 * {@code middle_block.m}, {@code output_blocks.k.m}) to diffusers {@code UNet2DConditionModel}
 * names. The LDM numbering runs through resnets and resamplers in order, so the block rows are
 * generated from a {@link Layout}: k = 1 + b(L+1) + j for down resnet j of level b, k = (b+1)(L+1)
 * for its downsampler, and k = b(L+1) + j for up resnet j (L+1 per up level).
 */
public final class UnetKeys {
  private UnetKeys() {}

  /** Where UNet tensors live in a single file. */
  public static final String PREFIX = "model.diffusion_model.";

  private static final Pattern INPUT = Pattern.compile("^input_blocks\\.(\\d+)\\.");
  private static final Pattern DOWNSAMPLER = Pattern.compile("^input_blocks\\.(\\d+)\\.0\\.op\\.");
  private static final Pattern DOWN_BLOCK = Pattern.compile("^down_blocks\\.(\\d+)\\.");
  private static final Pattern DOWN0_RESNET = Pattern.compile("^down_blocks\\.0\\.resnets\\.(\\d+)\\.");

  /**
   * The block structure that fixes the LDM numbering.
   *
   * @param levels number of resolution levels ({@code len(block_out_channels)})
   * @param layersPerBlock resnets per down level ({@code layers_per_block}); up levels have one more
   * @param downAttention per down level: does it hold cross-attention transformers
   * @param upAttention per up level, in diffusers order (lowest resolution first)
   */
  public record Layout(
      int levels, int layersPerBlock, List<Boolean> downAttention, List<Boolean> upAttention) {

    public Layout {
      downAttention = List.copyOf(downAttention);
      upAttention = List.copyOf(upAttention);
      if (levels < 1 || layersPerBlock < 1
          || downAttention.size() != levels || upAttention.size() != levels) {
        throw new IllegalArgumentException("inconsistent UNet layout " + levels + "/" + layersPerBlock);
      }
    }

    /** Reads the layout from LDM names, full keys with {@link #PREFIX}; other keys are ignored. */
    public static Layout fromLdmKeys(Collection<String> keys) {
      TreeSet<Integer> inputs = new TreeSet<>();
      TreeSet<Integer> downsamplers = new TreeSet<>();
      List<String> unet = new ArrayList<>();
      for (String k : keys) {
        if (!k.startsWith(PREFIX)) {
          continue;
        }
        String rest = k.substring(PREFIX.length());
        unet.add(rest);
        Matcher m = INPUT.matcher(rest);
        if (m.find()) {
          inputs.add(Integer.parseInt(m.group(1)));
        }
        Matcher d = DOWNSAMPLER.matcher(rest);
        if (d.find()) {
          downsamplers.add(Integer.parseInt(d.group(1)));
        }
      }
      inputs.remove(0); // conv_in
      int levels = downsamplers.size() + 1;
      int resnets = inputs.size() - downsamplers.size();
      if (inputs.isEmpty() || resnets % levels != 0 || resnets / levels < 1) {
        throw new IllegalArgumentException(
            "cannot read the UNet layout: input_blocks " + inputs + " with downsamplers (.0.op) at "
                + downsamplers + " do not form levels of equal size");
      }
      int layers = resnets / levels;
      List<Boolean> down = new ArrayList<>();
      List<Boolean> up = new ArrayList<>();
      for (int b = 0; b < levels; b++) {
        if (b < levels - 1 && !downsamplers.contains((b + 1) * (layers + 1))) {
          throw new IllegalArgumentException(
              "cannot read the UNet layout: expected a downsampler at input_blocks."
                  + (b + 1) * (layers + 1) + ".0.op for " + layers + " resnets per level, found "
                  + downsamplers);
        }
        down.add(hasPrefix(unet, "input_blocks." + (1 + b * (layers + 1)) + ".1."));
        up.add(hasPrefix(unet, "output_blocks." + b * (layers + 1) + ".1."));
      }
      return new Layout(levels, layers, down, up);
    }

    /** Reads the layout from diffusers names (no component prefix). */
    public static Layout fromDiffusersKeys(Collection<String> keys) {
      int levels = 0;
      TreeSet<Integer> resnets0 = new TreeSet<>();
      for (String k : keys) {
        Matcher m = DOWN_BLOCK.matcher(k);
        if (m.find()) {
          levels = Math.max(levels, Integer.parseInt(m.group(1)) + 1);
        }
        Matcher r = DOWN0_RESNET.matcher(k);
        if (r.find()) {
          resnets0.add(Integer.parseInt(r.group(1)));
        }
      }
      List<Boolean> down = new ArrayList<>();
      List<Boolean> up = new ArrayList<>();
      for (int b = 0; b < levels; b++) {
        down.add(hasPrefix(keys, "down_blocks." + b + ".attentions."));
        up.add(hasPrefix(keys, "up_blocks." + b + ".attentions."));
      }
      return new Layout(levels, resnets0.size(), down, up);
    }

    /** The layout a diffusers UNet config describes. */
    public static Layout fromConfig(JsonObject config) {
      JsonArray channels = config.getAsJsonArray("block_out_channels");
      JsonArray downTypes = config.getAsJsonArray("down_block_types");
      JsonArray upTypes = config.getAsJsonArray("up_block_types");
      List<Boolean> down = new ArrayList<>();
      List<Boolean> up = new ArrayList<>();
      for (int b = 0; b < channels.size(); b++) {
        down.add(downTypes.get(b).getAsString().startsWith("CrossAttn"));
        up.add(upTypes.get(b).getAsString().startsWith("CrossAttn"));
      }
      return new Layout(channels.size(), config.get("layers_per_block").getAsInt(), down, up);
    }
  }

  private static boolean hasPrefix(Collection<String> keys, String prefix) {
    for (String k : keys) {
      if (k.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The full UNet table for {@code layout}. */
  public static KeyTable table(Layout layout) {
    List<KeyTable.Row> rows = new ArrayList<>();
    rows.add(new KeyTable.Row("time_embed.0.", "time_embedding.linear_1.", KeyTables.PARAM));
    rows.add(new KeyTable.Row("time_embed.2.", "time_embedding.linear_2.", KeyTables.PARAM));
    rows.add(new KeyTable.Row("input_blocks.0.0.", "conv_in.", KeyTables.PARAM));
    rows.add(new KeyTable.Row("out.0.", "conv_norm_out.", KeyTables.PARAM));
    rows.add(new KeyTable.Row("out.2.", "conv_out.", KeyTables.PARAM));
    int l = layout.layersPerBlock();
    for (int b = 0; b < layout.levels(); b++) {
      for (int j = 0; j < l; j++) {
        int k = 1 + b * (l + 1) + j;
        String d = "down_blocks." + b + ".";
        rows.add(row("input_blocks." + k + ".0.", d + "resnets." + j + ".", KeyTables.UNET_RESNET));
        if (layout.downAttention().get(b)) {
          rows.add(row("input_blocks." + k + ".1.", d + "attentions." + j + ".", KeyTables.UNET_ATTENTION));
        }
      }
      if (b < layout.levels() - 1) {
        rows.add(row("input_blocks." + (b + 1) * (l + 1) + ".0.op.",
            "down_blocks." + b + ".downsamplers.0.conv.", KeyTables.PARAM));
      }
    }
    rows.add(row("middle_block.0.", "mid_block.resnets.0.", KeyTables.UNET_RESNET));
    rows.add(row("middle_block.1.", "mid_block.attentions.0.", KeyTables.UNET_ATTENTION));
    rows.add(row("middle_block.2.", "mid_block.resnets.1.", KeyTables.UNET_RESNET));
    for (int b = 0; b < layout.levels(); b++) {
      boolean attention = layout.upAttention().get(b);
      String u = "up_blocks." + b + ".";
      for (int j = 0; j <= l; j++) {
        int k = b * (l + 1) + j;
        rows.add(row("output_blocks." + k + ".0.", u + "resnets." + j + ".", KeyTables.UNET_RESNET));
        if (attention) {
          rows.add(row("output_blocks." + k + ".1.", u + "attentions." + j + ".", KeyTables.UNET_ATTENTION));
        }
      }
      if (b < layout.levels() - 1) {
        // the upsampler follows the last resnet, after its attention if the level has one
        int k = b * (l + 1) + l;
        rows.add(row("output_blocks." + k + "." + (attention ? 2 : 1) + ".conv.",
            u + "upsamplers.0.conv.", KeyTables.PARAM));
      }
    }
    return new KeyTable(PREFIX, rows);
  }

  private static KeyTable.Row row(String ldm, String diffusers, List<Rename> inner) {
    return new KeyTable.Row(ldm, diffusers, inner);
  }
}
