package dev.unmasked.adapters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Table-driven mapping between LoRA file keys and {@link LoraModule#path() module paths}
 * ({@code unet.<diffusers module>}, {@code text_encoder.<transformers module>}).
 *
 * <p>Read side: {@link #RULES}, one regular expression per known naming, each saying which part
 * (down, up, alpha) a key is and how its module path is built. Kohya flattens the module path with
 * underscores, which also occur inside attribute names ({@code down_blocks}, {@code to_q}); {@link
 * #unflattenKohya} undoes it with the table {@link #COMPOUND_NAMES} of the attribute names that hold
 * an underscore, longest match first. Write side: {@link #kohyaKey}, {@link #diffusersKey}, {@link
 * #peftKey} give exactly the names kohya sd-scripts, diffusers' {@code save_lora_weights} and PEFT
 * write.
 */
public final class LoraKeys {
  private LoraKeys() {}

  /** Which tensor of a module a key holds. */
  public enum Part {
    DOWN,
    UP,
    ALPHA
  }

  /** A recognised key: its module path, part and naming. */
  public record Parsed(String path, Part part, LoraFormat format) {}

  /**
   * Attribute names with an underscore in diffusers' {@code UNet2DConditionModel} and transformers'
   * {@code CLIPTextModel}: kohya's flattened names are cut at every other underscore.
   */
  static final List<String> COMPOUND_NAMES = List.of(
      // UNet
      "down_blocks", "up_blocks", "mid_block", "transformer_blocks", "to_q", "to_k", "to_v",
      "to_out", "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out", "proj_in", "proj_out",
      "time_emb_proj", "conv_shortcut", "conv_in", "conv_out", "conv_norm_out", "time_embedding",
      "linear_1", "linear_2", "class_embedding", "add_embedding", "group_norm", "norm_cross",
      // CLIP text model
      "text_model", "self_attn", "q_proj", "k_proj", "v_proj", "out_proj", "layer_norm1",
      "layer_norm2", "final_layer_norm", "token_embedding", "position_embedding",
      "text_projection");

  /** kohya's component prefixes (after {@code lora_}) and the components they name. */
  static final Map<String, String> KOHYA_COMPONENTS = Map.of(
      "unet", "unet", "te", "text_encoder", "te1", "text_encoder", "te2", "text_encoder_2");

  /** diffusers' attention-processor names (older files) and the modules they stand for. */
  static final Map<String, String> PROCESSOR_UNET = Map.of(
      "to_q", "to_q", "to_k", "to_k", "to_v", "to_v", "to_out", "to_out.0");

  static final Map<String, String> PROCESSOR_TEXT = Map.of(
      "to_q", "q_proj", "to_k", "k_proj", "to_v", "v_proj", "to_out", "out_proj");

  private static final String COMPONENT = "(unet|text_encoder|text_encoder_2)";

  /** One naming: a key pattern and how a match becomes a {@link Parsed}. */
  record Rule(String name, Pattern pattern, Function<Matcher, Parsed> parse) {}

  static final List<Rule> RULES = List.of(
      new Rule("kohya",
          Pattern.compile("lora_(unet|te|te1|te2)_(.+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)"),
          m -> new Parsed(KOHYA_COMPONENTS.get(m.group(1)) + "." + unflattenKohya(m.group(2)),
              m.group(3).equals("alpha") ? Part.ALPHA
                  : m.group(3).startsWith("lora_down") ? Part.DOWN : Part.UP,
              LoraFormat.KOHYA)),
      new Rule("diffusers",
          Pattern.compile(COMPONENT + "\\.(.+)\\.(?:lora|lora_linear_layer)\\.(down|up)\\.weight"),
          m -> new Parsed(m.group(1) + "." + m.group(2), downUp(m.group(3)), LoraFormat.DIFFUSERS)),
      new Rule("diffusers attention processor",
          Pattern.compile("(unet)\\.(.+)\\.processor\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight"),
          m -> new Parsed(m.group(1) + "." + m.group(2) + "." + PROCESSOR_UNET.get(m.group(3)),
              downUp(m.group(4)), LoraFormat.DIFFUSERS)),
      new Rule("diffusers text-encoder processor",
          Pattern.compile("(text_encoder|text_encoder_2)\\.(.+)\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight"),
          m -> new Parsed(m.group(1) + "." + m.group(2) + "." + PROCESSOR_TEXT.get(m.group(3)),
              downUp(m.group(4)), LoraFormat.DIFFUSERS)),
      new Rule("peft",
          Pattern.compile(COMPONENT + "\\.(.+)\\.lora_(A|B)\\.weight"),
          m -> new Parsed(m.group(1) + "." + m.group(2),
              m.group(3).equals("A") ? Part.DOWN : Part.UP, LoraFormat.PEFT)),
      new Rule("diffusers alpha",
          Pattern.compile(COMPONENT + "\\.(.+)\\.alpha"),
          m -> new Parsed(m.group(1) + "." + m.group(2), Part.ALPHA, LoraFormat.DIFFUSERS)));

  /** The first matching rule's reading of {@code key}; empty if no naming knows it. */
  public static Optional<Parsed> parse(String key) {
    for (Rule r : RULES) {
      Matcher m = r.pattern().matcher(key);
      if (m.matches()) {
        return Optional.of(r.parse().apply(m));
      }
    }
    return Optional.empty();
  }

  /**
   * kohya's flattened module name back to the dotted path: {@code
   * down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0} -> {@code
   * down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0}.
   */
  public static String unflattenKohya(String flat) {
    String[] parts = flat.split("_", -1);
    List<String> names = new ArrayList<>();
    int i = 0;
    while (i < parts.length) {
      int taken = 1;
      for (int k = Math.min(3, parts.length - i); k >= 2; k--) {
        String joined = String.join("_", java.util.Arrays.copyOfRange(parts, i, i + k));
        if (COMPOUND_NAMES.contains(joined)) {
          taken = k;
          break;
        }
      }
      names.add(String.join("_", java.util.Arrays.copyOfRange(parts, i, i + taken)));
      i += taken;
    }
    return String.join(".", names);
  }

  /** The kohya key; {@code sdxl} selects {@code lora_te1_} over SD 1.x/2.x's {@code lora_te_}. */
  public static String kohyaKey(String path, Part part, boolean sdxl) {
    String component = path.substring(0, path.indexOf('.'));
    String prefix = switch (component) {
      case "unet" -> "lora_unet_";
      case "text_encoder" -> sdxl ? "lora_te1_" : "lora_te_";
      case "text_encoder_2" -> "lora_te2_";
      default -> throw new IllegalArgumentException("no kohya name for component " + component);
    };
    String flat = prefix + path.substring(component.length() + 1).replace('.', '_');
    return flat + switch (part) {
      case DOWN -> ".lora_down.weight";
      case UP -> ".lora_up.weight";
      case ALPHA -> ".alpha";
    };
  }

  /**
   * The key diffusers' {@code save_lora_weights} writes: {@code .lora.down.weight} in the UNet,
   * {@code .lora_linear_layer.down.weight} in text encoders. diffusers files hold no alpha.
   */
  public static String diffusersKey(String path, Part part) {
    if (part == Part.ALPHA) {
      throw new IllegalArgumentException("diffusers LoRA files hold no alpha");
    }
    String layer = path.startsWith("unet.") ? ".lora." : ".lora_linear_layer.";
    return path + layer + (part == Part.DOWN ? "down" : "up") + ".weight";
  }

  /** The PEFT key: {@code .lora_A.weight} (down), {@code .lora_B.weight} (up). */
  public static String peftKey(String path, Part part) {
    if (part == Part.ALPHA) {
      throw new IllegalArgumentException("PEFT state dicts hold no alpha");
    }
    return path + (part == Part.DOWN ? ".lora_A.weight" : ".lora_B.weight");
  }

  /** LDM (CompVis) UNet block names: kohya uses them for SDXL, which this project does not run. */
  static final Set<String> LDM_UNET_BLOCKS = Set.of("input_blocks", "middle_block", "output_blocks");

  private static Part downUp(String s) {
    return s.equals("down") ? Part.DOWN : Part.UP;
  }
}
