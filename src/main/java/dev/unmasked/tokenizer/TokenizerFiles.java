package dev.unmasked.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
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
  record Contents(Map<String, Integer> vocab, List<String[]> merges, TokenizerConfig config) {}

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
    List<String[]> merges = parseMerges(mergesText);
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
    return new Contents(vocab, merges, cfg);
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

  private static Map<String, Integer> parseVocab(String file, String text)
      throws TokenizerException {
    JsonObject obj = parseObject(file, text);
    Map<String, Integer> vocab = new HashMap<>(obj.size() * 2);
    for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
      JsonElement v = e.getValue();
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
        throw new TokenizerException(
            file, "entry \"" + e.getKey() + "\" has value " + v + ", expected an integer id");
      }
      double d = v.getAsDouble();
      if (d < 0 || d != Math.rint(d) || d > Integer.MAX_VALUE) {
        throw new TokenizerException(
            file, "entry \"" + e.getKey() + "\" has id " + v + ", expected an integer >= 0");
      }
      vocab.put(e.getKey(), (int) d);
    }
    if (vocab.isEmpty()) {
      throw new TokenizerException(file, "the vocabulary is empty");
    }
    return vocab;
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
