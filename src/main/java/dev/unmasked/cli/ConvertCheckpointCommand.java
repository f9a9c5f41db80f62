package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.convert.CheckpointExport;
import dev.unmasked.convert.ModelKind;
import dev.unmasked.convert.SingleFileCheckpoint;
import dev.unmasked.convert.SingleFileOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code unmasked convert-checkpoint}: inspect an LDM / A1111 single-file checkpoint, convert it to
 * a diffusers folder, or convert a diffusers folder back to a single file.
 */
@Command(
    name = "convert-checkpoint",
    mixinStandardHelpOptions = true,
    description = {
      "Single-file (LDM/A1111 .safetensors) <-> diffusers folder, SD 1.x and 2.x.",
      "INPUT a file: prints what it holds; with -o, writes a diffusers folder (no tokenizer).",
      "INPUT a diffusers folder: with -o and --kind, writes an A1111-loadable single file."
    })
public final class ConvertCheckpointCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "INPUT", description = "a .safetensors checkpoint or a diffusers folder")
  Path input;

  @Option(names = {"-o", "--output"}, description = "output folder (from a file) or file (from a folder)")
  Path output;

  @Option(names = "--kind", description = "SD1 or SD2: required from a folder; from a file, fail unless the file is this kind")
  ModelKind kind;

  @Option(names = "--original-config", description = "the checkpoint's LDM yaml (default: <name>.yaml next to it, if present)")
  Path originalConfig;

  @Option(names = "--config-dir", description = "diffusers folder whose unet/vae/text_encoder/scheduler configs replace the derived ones")
  Path configDir;

  @Option(names = "--prediction-type", description = "epsilon or v_prediction (default: yaml, else epsilon for SD1, v_prediction for SD2)")
  String predictionType;

  @Option(names = "--ema", description = "use the EMA UNet weights (model_ema.*) when the file has them")
  boolean ema;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!Files.exists(input)) {
      throw new UserError("INPUT " + input + " does not exist: give a .safetensors checkpoint or a diffusers folder");
    }
    try {
      if (Files.isDirectory(input)) {
        return fromFolder(out);
      }
      return fromFile(out);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    } catch (IOException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  private int fromFolder(PrintWriter out) throws IOException {
    if (!CheckpointExport.isDiffusersFolder(input)) {
      throw new UserError(input + " is not a diffusers folder: it needs unet/diffusion_pytorch_model.safetensors, "
          + "vae/diffusion_pytorch_model.safetensors and text_encoder/model.safetensors");
    }
    if (output == null || kind == null) {
      throw new UserError("from a diffusers folder, give -o FILE.safetensors and --kind SD1|SD2 "
          + "(SD2 writes OpenCLIP text-encoder names)");
    }
    CheckpointExport.toSingleFile(input, kind, output);
    out.println("wrote " + output + " (" + kind.description() + ", LDM/A1111 names)");
    return 0;
  }

  private int fromFile(PrintWriter out) throws IOException {
    SingleFileOptions o = SingleFileOptions.defaults().withPreferEma(ema);
    if (kind != null) {
      o = o.withKind(kind);
    }
    if (originalConfig != null) {
      o = o.withOriginalConfig(originalConfig);
    }
    if (configDir != null) {
      o = o.withConfigDir(configDir);
    }
    if (predictionType != null) {
      o = o.withPredictionType(predictionType);
    }
    try (SingleFileCheckpoint c = SingleFileCheckpoint.open(input, o)) {
      out.println(input + ": " + c.kind().description() + ", prediction " + c.predictionType());
      out.println("  unet " + c.unet().keys().size() + " tensors, vae " + c.vae().keys().size()
          + ", text_encoder " + c.textEncoder().keys().size() + ", ignored " + c.ignoredKeys().size());
      out.println("  unet block_out_channels " + c.unetConfig().get("block_out_channels")
          + ", cross_attention_dim " + c.unetConfig().get("cross_attention_dim")
          + ", text_encoder layers " + c.textEncoderConfig().get("num_hidden_layers"));
      c.warnings().forEach(w -> out.println("  warning: " + w));
      if (output != null) {
        CheckpointExport.toDiffusersFolder(c, output);
        out.println("wrote diffusers folder " + output + " (add a tokenizer/ folder before use)");
      }
    }
    return 0;
  }
}
