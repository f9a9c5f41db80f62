package dev.unmasked.cli;

import dev.unmasked.UserError;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.tokenizer.CLIPTokenizer;
import dev.unmasked.tokenizer.PromptEncoding;
import dev.unmasked.tokenizer.TokenizerException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code unmasked tokenize}: shows how a prompt becomes the 77 token ids the text encoder reads,
 * and warns when a long prompt is cut.
 */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description =
        "Show the CLIP token ids and pieces of a prompt and how many of the model's 77 positions"
            + " it uses (bos + tokens + eos; the rest is padding). Warns on stderr, naming the lost"
            + " words, when the prompt is longer than the model can read.")
public final class TokenizeCommand implements Callable<Integer> {

  private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

  @Option(
      names = "--model",
      paramLabel = "DIR|FILE",
      description =
          "A diffusers folder (its tokenizer/ is used) or a tokenizer folder itself. A single-file"
              + " .safetensors checkpoint, or no --model, uses the shipped CLIP vocabulary (pad '!'"
              + " for an SD 2.x checkpoint, as diffusers does).")
  Path model;

  @Option(
      names = "--add-token",
      paramLabel = "TOKEN",
      description = "Add a placeholder token such as <v1> first (repeatable); matched literally.")
  List<String> addTokens = List.of();

  @Option(
      names = "--json",
      description = "Print {\"ids\": [...77 ids], \"tokens\": [...], \"used\": N} on one line.")
  boolean json;

  @Parameters(index = "0", paramLabel = "TEXT", description = "The prompt (quote it).")
  String text;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Loaded loaded = load(model);
    CLIPTokenizer tok = loaded.tokenizer();
    if (!addTokens.isEmpty()) {
      tok.addTokens(addTokens);
    }
    PromptEncoding enc = tok.encodePrompt(text);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<String> tokens = tok.convertIdsToTokens(enc.inputIds());
    if (json) {
      StringJoiner ids = new StringJoiner(", ", "[", "]");
      Arrays.stream(enc.inputIds()).forEach(id -> ids.add(Integer.toString(id)));
      StringJoiner pieces = new StringJoiner(", ", "[", "]");
      tokens.forEach(t -> pieces.add(JSON.toJson(t)));
      out.println("{\"ids\": " + ids + ", \"tokens\": " + pieces + ", \"used\": " + enc.used() + "}");
    } else {
      out.println("tokenizer: " + loaded.source());
      // "text" decodes each piece alone: a piece holding part of a UTF-8 character shows U+FFFD.
      out.printf("%4s  %6s  %-20s %s%n", "pos", "id", "token", "text");
      for (int i = 0; i < enc.used(); i++) {
        int id = enc.inputIds()[i];
        out.printf("%4d  %6d  %-20s %s%n", i, id, tokens.get(i), tok.decode(new int[] {id}, false));
      }
      out.printf(
          "used %d of %d positions (bos + %d tokens + eos); %d padding with id %d%n",
          enc.used(), enc.inputIds().length, enc.used() - 2,
          enc.inputIds().length - enc.used(), tok.padTokenId());
    }
    if (enc.truncated()) {
      err.printf(
          "warning: the prompt has %d tokens but only %d fit; this part is cut off: \"%s\"%n",
          enc.used() - 2 + enc.droppedIds().length, enc.used() - 2, enc.droppedText());
    }
    out.flush();
    err.flush();
    return 0;
  }

  private record Loaded(CLIPTokenizer tokenizer, String source) {}

  private static Loaded load(Path model) {
    if (model == null) {
      return new Loaded(CLIPTokenizer.defaultClip(), "shipped CLIP vocabulary (SD 1.x)");
    }
    if (Files.isRegularFile(model)) {
      if (!model.getFileName().toString().endsWith(".safetensors")) {
        throw new UserError(
            "--model " + model + ": expected a diffusers folder or a .safetensors checkpoint");
      }
      if (isOpenClipCheckpoint(model)) {
        return new Loaded(
            CLIPTokenizer.defaultClip("!"),
            "shipped CLIP vocabulary, pad '!' (SD 2.x checkpoint " + model.getFileName() + ")");
      }
      return new Loaded(
          CLIPTokenizer.defaultClip(),
          "shipped CLIP vocabulary (single-file checkpoint " + model.getFileName() + ")");
    }
    if (!Files.isDirectory(model)) {
      throw new UserError(
          "--model " + model + ": no such file or folder; give a diffusers folder, a tokenizer"
              + " folder or a .safetensors checkpoint");
    }
    Path dir = Files.exists(model.resolve("vocab.json")) ? model : model.resolve("tokenizer");
    if (!Files.isDirectory(dir)) {
      throw new UserError(
          "--model " + model + ": no tokenizer/ folder and no vocab.json in it; expected a"
              + " diffusers folder (model_index.json, tokenizer/, text_encoder/, ...)");
    }
    try {
      return new Loaded(CLIPTokenizer.fromFolder(dir), dir.toString());
    } catch (TokenizerException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  // SD 2.x single files carry an OpenCLIP text encoder; diffusers then takes SD 2's tokenizer.
  private static boolean isOpenClipCheckpoint(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.keys().stream().anyMatch(k -> k.startsWith("cond_stage_model.model."));
    } catch (SafetensorsException e) {
      throw new UserError(e.getMessage(), e);
    }
  }
}
