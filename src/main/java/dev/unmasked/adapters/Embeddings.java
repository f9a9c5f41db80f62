package dev.unmasked.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.UserError;
import dev.unmasked.model.clip.CLIPTextModel;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Puts textual-inversion embeddings into a loaded model, as diffusers' {@code
 * load_textual_inversion} does: each embedding's tokens ({@code <tok>}, {@code <tok>_1}, ...) are
 * added to the tokenizer, and its vectors become the text encoder's rows for the new ids (through
 * {@link CLIPTextModel#setExtraTokens}, after any extra rows already there). Prompts that use a
 * multi-vector token must then go through {@link #convertPrompt} (diffusers' {@code
 * maybe_convert_prompt}).
 */
public final class Embeddings {
  private Embeddings() {}

  /** What {@link #apply} added: the tokens of one embedding and their ids. */
  public record Added(Embedding embedding, List<String> tokens, int[] ids) {}

  /** Reads every file ({@link EmbeddingFiles#read}; a null token keeps the file's own) and applies them. */
  public static List<Added> applyFiles(LoadedModel model, List<Path> files, List<String> tokens) {
    List<Embedding> all = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      all.addAll(EmbeddingFiles.read(files.get(i), tokens == null ? null : tokens.get(i)));
    }
    return apply(model, all);
  }

  /**
   * Adds {@code embeddings} to {@code model}'s tokenizer and text encoder. Everything is checked
   * before anything changes: a width other than the text encoder's hidden size, or a token the
   * tokenizer already knows (or that two embeddings share), is a {@link UserError} and leaves the
   * model as it was.
   */
  public static List<Added> apply(LoadedModel model, List<Embedding> embeddings) {
    CLIPTokenizer tok = model.tokenizer();
    CLIPTextModel te = model.textEncoder();
    long hidden = te.config().hiddenSize();
    Set<String> fresh = new HashSet<>();
    List<String> allTokens = new ArrayList<>();
    for (Embedding e : embeddings) {
      if (e.width() != hidden) {
        throw new UserError(e.describe() + ": embedding '" + e.token() + "' has width "
            + e.width() + " but this model's text encoder has hidden size " + hidden + " ("
            + familyHint(e.width()) + "); use an embedding trained for this model family");
      }
      for (String t : e.tokens()) {
        if (tok.hasToken(t) || !fresh.add(t)) {
          throw new UserError(e.describe() + ": token '" + t + "' is already in the tokenizer; "
              + "give the embedding another name (--embeddings FILE=TOKEN)");
        }
        allTokens.add(t);
      }
    }
    if (allTokens.isEmpty()) {
      return List.of();
    }
    int first = tok.size();
    if (first != te.vocabularySize()) {
      throw new IllegalStateException("the tokenizer has " + first + " ids but the text encoder "
          + te.vocabularySize() + " rows; new tokens would get the wrong rows");
    }
    int[] ids = tok.addTokens(allTokens);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] != first + i) {
        throw new IllegalStateException("token '" + allTokens.get(i) + "' got id " + ids[i]
            + ", expected " + (first + i));
      }
    }
    te.setExtraTokens(extendedRows(te, embeddings));
    List<Added> out = new ArrayList<>();
    int at = 0;
    for (Embedding e : embeddings) {
      int[] own = java.util.Arrays.copyOfRange(ids, at, at + e.count());
      out.add(new Added(e, e.tokens(), own));
      at += e.count();
    }
    return out;
  }

  /** The text encoder's extra rows [K, D] followed by the new vectors [n1 + n2 + ..., D]. */
  private static NDArray extendedRows(CLIPTextModel te, List<Embedding> embeddings) {
    NDArray base = te.tokenEmbedding();
    NDManager m = base.getManager();
    int d = (int) te.config().hiddenSize();
    int n = embeddings.stream().mapToInt(Embedding::count).sum();
    float[] flat = new float[n * d];
    int row = 0;
    for (Embedding e : embeddings) {
      for (float[] v : e.vectors()) {
        System.arraycopy(v, 0, flat, row++ * d, d);
      }
    }
    NDArray rows = m.create(flat, new Shape(n, d)).toType(base.getDataType(), false);
    NDArray old = te.extraTokens();
    return old == null ? rows : NDArrays.concat(new NDList(old, rows), 0);
  }

  /**
   * diffusers' {@code maybe_convert_prompt}: each added token of the prompt that has companions
   * {@code <tok>_1, <tok>_2, ...} in the tokenizer is replaced, everywhere in the prompt, by
   * {@code "<tok> <tok>_1 <tok>_2 ..."}. Tokens are visited in order of first appearance.
   */
  public static String convertPrompt(CLIPTokenizer tok, String prompt) {
    Set<String> added = new HashSet<>();
    tok.addedTokens().forEach(t -> added.add(t.content()));
    String out = prompt;
    for (String t : new LinkedHashSet<>(tok.tokenize(prompt))) {
      if (!added.contains(t)) {
        continue;
      }
      StringBuilder replacement = new StringBuilder(t);
      for (int i = 1; added.contains(t + "_" + i); i++) {
        replacement.append(' ').append(t).append('_').append(i);
      }
      out = out.replace(t, replacement.toString());
    }
    return out;
  }

  private static String familyHint(int width) {
    return switch (width) {
      case 768 -> "768 is SD 1.x's width";
      case 1024 -> "1024 is SD 2.x's width";
      case 1280 -> "1280 is SDXL's second text encoder";
      default -> "it was made for another text encoder";
    };
  }
}
