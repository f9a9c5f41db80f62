package dev.unmasked.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the files of a Hugging Face tokenizer folder ({@code vocab.json}, {@code merges.txt},
 * optional {@code tokenizer_config.json}, {@code special_tokens_map.json}, {@code
 * added_tokens.json}) from a directory or from the class path. Every error names the file.
 */
final class TokenizerFiles {

  /** Where the files come from. */
  interface Source {
    /** The name of {@code file} as shown in error messages. */
    String describe(String file);

    /** The file's text, or empty if it does not exist. */
    Optional<String> read(String file) throws TokenizerException;
  }

  /** The parsed contents. */
  /**
   * The parsed contents; immutable, so one copy may back many tokenizers.
   *
   * @param vocab token to id ({@code vocab.json})
   * @param decoder id to token, the inverse of {@code vocab}
   * @param ranks merge ranks ({@code merges.txt}), see {@link BytePairEncoder#ranks}
   * @param config special tokens, declared added tokens, length
   */
  record Contents(
      Map<String, Integer> vocab,
      Map<Integer, String> decoder,
      Map<String, Integer> ranks,
      TokenizerConfig config) {}

  private TokenizerFiles() {}

  static Source folder(Path dir) {
    return new Source() {
      @Override
      public String describe(String file) {
        return dir.resolve(file).toString();
      }

      @Override
      public Optional<String> read(String file) throws TokenizerException {
        Path p = dir.resolve(file);
        try {
          return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
          return Optional.empty();
        } catch (IOException e) {
          throw new TokenizerException(p.toString(), "cannot read (" + e + ")", e);
        }
      }
    };
  }

  static Source classpath(String folder) {
    return new Source() {
      @Override
      public String describe(String file) {
        return "classpath:" + folder + "/" + file;
      }

      @Override
      public Optional<String> read(String file) throws TokenizerException {
        try (InputStream in = TokenizerFiles.class.getResourceAsStream(folder + "/" + file)) {
          if (in == null) {
            return Optional.empty();
          }
          return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          throw new TokenizerException(describe(file), "cannot read (" + e + ")", e);
        }
      }
    };
  }

  static Contents load(Source source) throws TokenizerException {
    String vocabText = require(source, "vocab.json");
    String mergesText = require(source, "merges.txt");
    Map<String, Integer> vocab = parseVocab(source.describe("vocab.json"), vocabText);
    Map<String, Integer> ranks = BytePairEncoder.ranks(parseMerges(mergesText));
    Optional<JsonObject> config = readJsonObject(source, "tokenizer_config.json");
    Optional<JsonObject> specialMap = readJsonObject(source, "special_tokens_map.json");
    Optional<JsonObject> addedJson = readJsonObject(source, "added_tokens.json");
    TokenizerConfig cfg =
        TokenizerConfig.parse(
            source.describe("tokenizer_config.json"),
            config.orElseGet(JsonObject::new),
            specialMap.orElseGet(JsonObject::new),
            source.describe("added_tokens.json"),
            addedJson.orElseGet(JsonObject::new));
    Map<Integer, String> decoder = new HashMap<>(vocab.size() * 2);
    vocab.forEach((token, id) -> decoder.put(id, token));
    return new Contents(vocab, Collections.unmodifiableMap(decoder), ranks, cfg);
  }

  private static String require(Source source, String file) throws TokenizerException {
    return source
        .read(file)
        .orElseThrow(
            () ->
                new TokenizerException(
                    source.describe(file),
                    "missing; a CLIP tokenizer folder needs vocab.json and merges.txt"
                        + " (as saved by transformers' CLIPTokenizer.save_pretrained)"));
  }

  private static Optional<JsonObject> readJsonObject(Source source, String file)
      throws TokenizerException {
    Optional<String> text = source.read(file);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(parseObject(source.describe(file), text.get()));
  }

  static JsonObject parseObject(String file, String text) throws TokenizerException {
    JsonElement e;
    try {
      e = JsonParser.parseString(text);
    } catch (JsonParseException ex) {
      throw new TokenizerException(file, "not valid JSON (" + ex.getMessage() + ")", ex);
    }
    if (!e.isJsonObject()) {
      throw new TokenizerException(file, "expected a JSON object at the top level");
    }
    return e.getAsJsonObject();
  }

  // Streamed: a JsonObject tree of 49408 entries costs more than the map it becomes.
  private static Map<String, Integer> parseVocab(String file, String text)
      throws TokenizerException {
    Map<String, Integer> vocab = new HashMap<>(65536);
    try (JsonReader r = new JsonReader(new StringReader(text))) {
      if (r.peek() != JsonToken.BEGIN_OBJECT) {
        throw new TokenizerException(file, "expected a JSON object {\"token\": id, ...}");
      }
      r.beginObject();
      while (r.hasNext()) {
        String token = r.nextName();
        if (r.peek() != JsonToken.NUMBER) {
          throw new TokenizerException(
              file, "entry \"" + token + "\" has a " + r.peek() + ", expected an integer id");
        }
        double d = r.nextDouble();
        if (d < 0 || d != Math.rint(d) || d > Integer.MAX_VALUE) {
          throw new TokenizerException(
              file, "entry \"" + token + "\" has id " + d + ", expected an integer >= 0");
        }
        vocab.put(token, (int) d);
      }
      r.endObject();
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new TokenizerException(file, "unexpected content after the vocabulary object");
      }
    } catch (IOException | IllegalStateException | JsonParseException e) {
      if (e instanceof TokenizerException te) {
        throw te;
      }
      throw new TokenizerException(file, "not valid JSON (" + e.getMessage() + ")", e);
    }
    if (vocab.isEmpty()) {
      throw new TokenizerException(file, "the vocabulary is empty");
    }
    return Collections.unmodifiableMap(vocab);
  }

  /**
   * transformers: {@code read().strip().split("\n")[1 : 49152 - 256 - 2 + 1]}, then
   * {@code tuple(merge.split())}. The first line is skipped whatever it holds.
   */
  static List<String[]> parseMerges(String text) {
    String[] lines = text.strip().split("\n", -1);
    int end = Math.min(lines.length, BytePairEncoder.MAX_MERGES + 1);
    List<String[]> merges = new ArrayList<>(Math.max(0, end - 1));
    for (int i = 1; i < end; i++) {
      merges.add(TextCleaner.splitPythonWhitespace(lines[i]).toArray(new String[0]));
    }
    return merges;
  }
}
