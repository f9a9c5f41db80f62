package dev.unmasked.concepts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.unmasked.UserError;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.tokenizer.CLIPTokenizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * New placeholder tokens and their first embedding rows: the mean of the initializer's token rows
 * (several words or sub-tokens: their mean), or, with no initializer, the row of a rare token.
 */
final class TokenInit {
  /** Rare tokens to start from when no initializer is given (the first one the vocabulary has). */
  private static final List<String> RARE = List.of("sks", "*");

  private TokenInit() {}

  /** Adds the tokens (ids V..V+K-1) and returns their rows [K, D] on {@code m}. */
  static NDArray rows(LoadedModel model, List<ConceptSpec> concepts, int[] ids, NDManager m,
      PrintStream log) {
    CLIPTokenizer tok = model.tokenizer();
    NDArray table = model.textEncoder().tokenEmbedding(); // [V, D]
    long v = table.getShape().get(0);
    if (tok.size() != v) {
      throw new UserError("the tokenizer has " + tok.size() + " tokens but the text encoder "
          + v + " rows; the model folder's tokenizer and text_encoder do not belong together");
    }
    List<NDArray> out = new ArrayList<>();
    for (int k = 0; k < concepts.size(); k++) {
      ConceptSpec c = concepts.get(k);
      if (tok.hasToken(c.token())) {
        throw new UserError("--concept " + c.token() + ": the model already knows this token; "
            + "choose a new placeholder such as <v" + (k + 1) + ">");
      }
      String init = c.initWords() == null ? rareToken(tok) : c.initWords();
      int[] initIds = tok.encode(init, false);
      if (initIds.length == 0) {
        throw new UserError("--concept " + c.token() + "=" + init + ": the initializer has no "
            + "tokens; give a word such as 'star'");
      }
      for (String word : init.trim().split("\\s+")) {
        int[] w = tok.encode(word, false);
        boolean onlyCharacters = w.length > 1;
        for (String piece : tok.convertIdsToTokens(w)) {
          onlyCharacters &= piece.replace("</w>", "").length() == 1;
        }
        if (w.length == 0 || onlyCharacters) { // spelled out letter by letter: not a word it knows
          throw new UserError("--concept " + c.token() + ": the tokenizer cannot map the word '"
              + word + "' to known tokens");
        }
        if (w.length > 1) {
          log.printf("note: '%s' splits into %d tokens %s; %s starts from their mean%n", word,
              w.length, tok.convertIdsToTokens(w), c.token());
        }
      }
      NDArray sum = null;
      for (int id : initIds) {
        NDArray row = table.get(new NDIndex(id + ":" + (id + 1)));
        sum = sum == null ? row : sum.add(row);
      }
      out.add(sum.div(initIds.length));
      ids[k] = tok.addTokens(List.of(c.token()))[0];
      if (ids[k] != v + k) {
        throw new IllegalStateException("placeholder " + c.token() + " got id " + ids[k]
            + ", expected " + (v + k));
      }
    }
    NDArray rows = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(out), 0).duplicate();
    rows.attach(m);
    return rows;
  }

  private static String rareToken(CLIPTokenizer tok) {
    for (String r : RARE) {
      int[] ids = tok.encode(r, false);
      if (ids.length == 1) {
        return r;
      }
    }
    return RARE.get(RARE.size() - 1);
  }
}
