package dev.unmasked.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds a small CLIP BPE tokenizer (vocab.json, merges.txt and the two JSON configs, the files
 * transformers' {@code CLIPTokenizer} reads) whose vocabulary is the byte alphabet in CLIP's order
 * (each byte symbol alone and with {@code </w>}), then merges learned by plain BPE on a word list
 * until every listed word is one token, then {@code <|startoftext|>} and {@code <|endoftext|>}.
 * Any text tokenizes (at worst into bytes); added tokens such as {@code <v1>} come after.
 */
public final class VocabularyBuilder {
  private VocabularyBuilder() {}

  /** The vocabulary and merges for {@code words} (lower case, no spaces). */
  public record Vocabulary(Map<String, Integer> vocab, List<String[]> merges) {
    public int size() {
      return vocab.size();
    }
  }

  public static Vocabulary build(Collection<String> words) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    List<Character> alphabet = new ArrayList<>();
    for (int b = 0; b < 256; b++) { // bytes_to_unicode order: the kept bytes first
      if (ByteLevel.charOf(b) == (char) b) {
        alphabet.add((char) b);
      }
    }
    for (int b = 0; b < 256; b++) {
      if (ByteLevel.charOf(b) != (char) b) {
        alphabet.add(ByteLevel.charOf(b));
      }
    }
    for (char c : alphabet) {
      vocab.put(String.valueOf(c), vocab.size());
    }
    for (char c : alphabet) {
      vocab.put(c + "</w>", vocab.size());
    }
    List<List<String>> corpus = new ArrayList<>();
    for (String w : new TreeSet<>(words)) {
      String enc = ByteLevel.encode(w);
      List<String> symbols = new ArrayList<>();
      for (int i = 0; i < enc.length(); i++) {
        symbols.add(i == enc.length() - 1 ? enc.charAt(i) + "</w>" : String.valueOf(enc.charAt(i)));
      }
      corpus.add(symbols);
    }
    List<String[]> merges = new ArrayList<>();
    while (true) {
      Map<String, Integer> counts = new LinkedHashMap<>();
      for (List<String> s : corpus) {
        for (int i = 0; i + 1 < s.size(); i++) {
          counts.merge(s.get(i) + " " + s.get(i + 1), 1, Integer::sum);
        }
      }
      if (counts.isEmpty()) {
        break;
      }
      String best = null;
      for (Map.Entry<String, Integer> e : counts.entrySet()) { // most frequent, ties by text
        if (best == null || e.getValue() > counts.get(best)
            || (e.getValue().equals(counts.get(best)) && e.getKey().compareTo(best) < 0)) {
          best = e.getKey();
        }
      }
      String[] pair = best.split(" ");
      merges.add(pair);
      vocab.putIfAbsent(pair[0] + pair[1], vocab.size());
      for (List<String> s : corpus) {
        for (int i = 0; i + 1 < s.size(); i++) {
          if (s.get(i).equals(pair[0]) && s.get(i + 1).equals(pair[1])) {
            s.set(i, pair[0] + pair[1]);
            s.remove(i + 1);
          }
        }
      }
    }
    vocab.put("<|startoftext|>", vocab.size());
    vocab.put("<|endoftext|>", vocab.size());
    return new Vocabulary(vocab, merges);
  }

  /** Writes the tokenizer folder ({@code vocab.json}, {@code merges.txt}, configs). */
  public static void write(Vocabulary v, Path dir) throws IOException {
    Files.createDirectories(dir);
    var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    JsonObject vocab = new JsonObject();
    v.vocab().forEach(vocab::addProperty);
    dev.unmasked.io.AtomicFile.write(dir.resolve("vocab.json"),
        gson.toJson(vocab).getBytes(StandardCharsets.UTF_8));
    StringBuilder m = new StringBuilder("#version: 0.2\n");
    for (String[] p : v.merges()) {
      m.append(p[0]).append(' ').append(p[1]).append('\n');
    }
    dev.unmasked.io.AtomicFile.write(dir.resolve("merges.txt"), m.toString().getBytes(StandardCharsets.UTF_8));
    int bos = v.vocab().get("<|startoftext|>");
    int eos = v.vocab().get("<|endoftext|>");
    JsonObject cfg = new JsonObject();
    JsonObject decoder = new JsonObject();
    decoder.add(Integer.toString(bos), special("<|startoftext|>"));
    decoder.add(Integer.toString(eos), special("<|endoftext|>"));
    cfg.add("added_tokens_decoder", decoder);
    cfg.addProperty("bos_token", "<|startoftext|>");
    cfg.addProperty("clean_up_tokenization_spaces", true);
    cfg.addProperty("eos_token", "<|endoftext|>");
    cfg.addProperty("errors", "replace");
    cfg.addProperty("model_max_length", 77);
    cfg.addProperty("pad_token", "<|endoftext|>");
    cfg.addProperty("tokenizer_class", "CLIPTokenizer");
    cfg.addProperty("unk_token", "<|endoftext|>");
    dev.unmasked.io.AtomicFile.write(dir.resolve("tokenizer_config.json"),
        gson.toJson(cfg).getBytes(StandardCharsets.UTF_8));
    JsonObject sp = new JsonObject();
    sp.add("bos_token", token("<|startoftext|>"));
    sp.add("eos_token", token("<|endoftext|>"));
    sp.addProperty("pad_token", "<|endoftext|>");
    sp.add("unk_token", token("<|endoftext|>"));
    dev.unmasked.io.AtomicFile.write(dir.resolve("special_tokens_map.json"),
        gson.toJson(sp).getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject token(String content) {
    JsonObject o = new JsonObject();
    o.addProperty("content", content);
    o.addProperty("lstrip", false);
    o.addProperty("normalized", true);
    o.addProperty("rstrip", false);
    o.addProperty("single_word", false);
    return o;
  }

  private static JsonObject special(String content) {
    JsonObject o = token(content);
    o.addProperty("special", true);
    return o;
  }
}
