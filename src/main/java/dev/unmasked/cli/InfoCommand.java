package dev.unmasked.cli;

import dev.unmasked.UserError;
import com.google.gson.JsonObject;
import dev.unmasked.convert.SingleFileCheckpoint;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.TensorInfo;
import dev.unmasked.io.TensorSource;
import dev.unmasked.model.ModelFolder;
import dev.unmasked.model.WeightFile;
import dev.unmasked.model.WeightLoadException;
import dev.unmasked.model.WeightVariant;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked info}: what a model folder or single-file checkpoint holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Show a model's kind, components, parameter counts, dtypes and configs.")
public final class InfoCommand implements Callable<Integer> {

  @picocli.CommandLine.Mixin ModelOptions modelOptions;

  @Override
  public Integer call() throws Exception {
    Path model = modelOptions.resolve();
    if (!Files.exists(model)) {
      throw new UserError(model + ": no such model folder or file");
    }
    try {
      if (Files.isDirectory(model)) {
        folder();
      } else {
        singleFile();
      }
    } catch (WeightLoadException e) {
      throw new UserError(e.getMessage(), e);
    }
    return 0;
  }

  private void folder() throws SafetensorsException {
    Path model = modelOptions.resolve();
    ModelFolder f = ModelFolder.open(model);
    System.out.println("model: " + model.toAbsolutePath() + " (diffusers folder)");
    JsonObject te = f.config(ModelFolder.TEXT_ENCODER);
    JsonObject unet = f.config(ModelFolder.UNET);
    JsonObject sch = f.config(ModelFolder.SCHEDULER);
    System.out.println("kind: " + kind(te, unet, sch));
    for (String c : new String[] {ModelFolder.UNET, ModelFolder.VAE, ModelFolder.TEXT_ENCODER}) {
      WeightFile wf = f.findWeights(c, WeightVariant.DEFAULT);
      try (TensorSource src = wf.open()) {
        System.out.println(component(c, src, f.config(c)) + "\n    file: " + wf.path()
            + (wf.sharded() ? " (sharded)" : "") + (wf.fp16() ? " (fp16 variant)" : ""));
      }
    }
    try {
      CLIPTokenizer tok = CLIPTokenizer.fromFolder(f.componentDir(ModelFolder.TOKENIZER));
      System.out.printf("tokenizer: CLIP BPE, %d tokens, max length %d, pad id %d%n", tok.size(),
          tok.modelMaxLength(), tok.padTokenId());
    } catch (Exception e) {
      System.out.println("tokenizer: unreadable (" + e.getMessage() + ")");
    }
    System.out.println("scheduler: " + sch);
  }

  private void singleFile() throws Exception {
    Path model = modelOptions.resolve();
    dev.unmasked.convert.SingleFileOptions opts =
        dev.unmasked.convert.SingleFileOptions.defaults().withConfigDir(modelOptions.configDir);
    try (SingleFileCheckpoint ck = SingleFileCheckpoint.open(model, opts)) {
      System.out.println("model: " + model.toAbsolutePath() + " (single-file checkpoint)");
      System.out.println("kind: " + ck.kind() + ", prediction " + ck.predictionType());
      System.out.println(component("unet", ck.unet(), ck.unetConfig()));
      System.out.println(component("vae", ck.vae(), ck.vaeConfig()));
      System.out.println(component("text_encoder", ck.textEncoder(), ck.textEncoderConfig()));
      System.out.println("tokenizer: bundled CLIP ViT-L/14 vocabulary (single files carry none)");
      System.out.println("scheduler: " + ck.schedulerConfig());
      if (!ck.ignoredKeys().isEmpty()) {
        System.out.println("ignored keys: " + ck.ignoredKeys().size() + " (e.g. "
            + ck.ignoredKeys().stream().limit(3).toList() + ")");
      }
      for (String w : ck.warnings()) {
        System.out.println("warning: " + w);
      }
    }
  }

  static String kind(JsonObject te, JsonObject unet, JsonObject sch) {
    String act = te.has("hidden_act") ? te.get("hidden_act").getAsString() : "quick_gelu";
    String pred = sch.has("prediction_type") ? sch.get("prediction_type").getAsString() : "epsilon";
    int cross = unet.has("cross_attention_dim") ? unet.get("cross_attention_dim").getAsInt() : 0;
    String family = act.equals("gelu") ? "SD 2.x-style (OpenCLIP text encoder)"
        : "SD 1.x-style (CLIP text encoder)";
    return family + ", cross_attention_dim " + cross + ", prediction " + pred;
  }

  static String component(String name, TensorSource src, JsonObject config)
      throws SafetensorsException {
    long params = 0;
    Map<String, Long> dtypes = new TreeMap<>();
    for (String k : src.keys()) {
      TensorInfo t = src.info(k);
      params += t.numel();
      dtypes.merge(t.dtype().name(), t.numel(), Long::sum);
    }
    Map<String, Object> keyCfg = new LinkedHashMap<>();
    for (String k : new String[] {"block_out_channels", "layers_per_block", "attention_head_dim",
        "cross_attention_dim", "use_linear_projection", "latent_channels", "scaling_factor",
        "hidden_size", "num_hidden_layers", "num_attention_heads", "hidden_act", "vocab_size",
        "sample_size"}) {
      if (config.has(k)) {
        keyCfg.put(k, config.get(k));
      }
    }
    return String.format(Locale.ROOT, "%s: %,d parameters in %d tensors, dtypes %s%n    config %s",
        name, params, src.keys().size(), dtypes.keySet(), keyCfg);
  }
}
