package dev.unmasked.adapters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One textual-inversion embedding: the prompt word {@code token} and its {@code n} learned vectors,
 * {@code vectors} [n][D] with D the text encoder's hidden size (768 for SD 1.x, 1024 for SD 2.x).
 * A multi-vector embedding occupies the tokens {@code <tok> <tok>_1 ... <tok>_(n-1)}, as diffusers'
 * {@code load_textual_inversion} names them.
 *
 * @param source the file it was read from, for error messages (null when made in memory)
 */
public record Embedding(String token, float[][] vectors, Path source, Format format) {

  /** The file layouts an embedding is read from. */
  public enum Format {
    /** {@code learned_embeds.safetensors}/{@code .bin}: {@code {token: [n, D]}}. */
    DIFFUSERS,
    /** A1111/kohya safetensors: {@code {"emb_params": [n, D]}}, no token inside. */
    EMB_PARAMS,
    /** A1111 {@code .pt} pickle: {@code string_to_param["*"]}, token from the file name. */
    A1111_PT,
    /** Built in memory (for example by training). */
    MEMORY
  }

  public Embedding {
    if (token == null || token.isEmpty() || !token.strip().equals(token)
        || token.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("embedding token must be a non-empty word without "
          + "spaces; got '" + token + "'");
    }
    if (vectors.length == 0 || vectors[0].length == 0) {
      throw new IllegalArgumentException("embedding '" + token + "' has no vectors");
    }
    for (float[] v : vectors) {
      if (v.length != vectors[0].length) {
        throw new IllegalArgumentException("embedding '" + token + "': vectors of different widths");
      }
    }
  }

  /** D: the width of each vector. */
  public int width() {
    return vectors[0].length;
  }

  /** n: how many vectors (and tokens) it has. */
  public int count() {
    return vectors.length;
  }

  /** The tokens it occupies: {@code token}, then {@code token_1} ... {@code token_(n-1)}. */
  public List<String> tokens() {
    List<String> t = new ArrayList<>();
    t.add(token);
    for (int i = 1; i < vectors.length; i++) {
      t.add(token + "_" + i);
    }
    return t;
  }

  /** The same vectors under another prompt word. */
  public Embedding withToken(String newToken) {
    return new Embedding(newToken, vectors, source, format);
  }

  /** Where it came from, for messages: the file, or "embedding 'tok'". */
  public String describe() {
    return source != null ? source.toString() : "embedding '" + token + "'";
  }
}
