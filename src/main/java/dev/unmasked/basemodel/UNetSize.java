package dev.unmasked.basemodel;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The width and depth of the toy model's UNet: {@code block_out_channels} and
 * {@code layers_per_block} of its diffusers config. Every level is a cross-attention block with
 * heads of 32 dimensions (so each width is a multiple of 32, which also suits the 32 norm groups and
 * the conv padding rule of docs/KNOWN_ISSUES.md); the shipped model is {@code 64,128} with one layer.
 *
 * @param channels block_out_channels, one entry per resolution level (16x16, 8x8, ...)
 * @param layers layers_per_block
 */
public record UNetSize(List<Integer> channels, int layers) {
  /** Metadata keys of a pretraining checkpoint (absent from those written before they existed). */
  public static final String CHANNELS_KEY = "unet_block_out_channels";
  public static final String LAYERS_KEY = "unet_layers_per_block";

  public UNetSize {
    channels = List.copyOf(channels);
    if (channels.isEmpty() || channels.size() > 3) {
      throw new UserError("--unet-channels: give 1 to 3 widths (one per level), got " + channels);
    }
    for (int c : channels) {
      if (c <= 0 || c % 32 != 0) {
        throw new UserError("--unet-channels: " + c + " is not a positive multiple of 32 (heads of"
            + " 32 dimensions, 32 norm groups)");
      }
    }
    if (layers < 1 || layers > 4) {
      throw new UserError("--unet-layers must be 1 to 4, got " + layers);
    }
  }

  /** The shipped model's size (the config resource). */
  public static UNetSize shipped() {
    JsonObject j = ToyModelSpec.unetJson();
    List<Integer> c = new ArrayList<>();
    j.getAsJsonArray("block_out_channels").forEach(e -> c.add(e.getAsInt()));
    return new UNetSize(c, j.get("layers_per_block").getAsInt());
  }

  /** The size the command line asks for: {@code channels} ("64,128") and {@code layers}, each
   *  the shipped model's where null. */
  public static UNetSize orShipped(String channels, Integer layers) {
    UNetSize shipped = shipped();
    return of(channels != null ? channels : shipped.channelsText(),
        layers != null ? layers : shipped.layers());
  }

  /** Parses {@code "64,128"}. */
  public static UNetSize of(String channels, int layers) {
    List<Integer> c = new ArrayList<>();
    for (String part : channels.split(",")) {
      try {
        c.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new UserError("--unet-channels " + channels + ": expected widths separated by commas,"
            + " e.g. 64,128");
      }
    }
    return new UNetSize(c, layers);
  }

  /** {@code "64,128"}. */
  public String channelsText() {
    return channels.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** The shipped config with this size: widths, heads, block types per level, layers per block. */
  JsonObject apply(JsonObject shipped) {
    JsonObject j = shipped.deepCopy();
    JsonArray out = new JsonArray();
    JsonArray heads = new JsonArray();
    JsonArray down = new JsonArray();
    JsonArray up = new JsonArray();
    for (int c : channels) {
      out.add(c);
      heads.add(c / 32);
      down.add("CrossAttnDownBlock2D");
      up.add("CrossAttnUpBlock2D");
    }
    j.add("block_out_channels", out);
    j.add("attention_head_dim", heads);
    j.add("down_block_types", down);
    j.add("up_block_types", up);
    j.addProperty("layers_per_block", layers);
    return j;
  }
}
