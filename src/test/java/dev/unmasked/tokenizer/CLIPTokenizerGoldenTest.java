package dev.unmasked.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of {@code golden/tokenizer_golden.json} (transformers 4.36 slow CLIPTokenizer without
 * ftfy, over the full CLIP vocabulary) must match exactly. Failures are collected and reported by
 * case number and text, so one run shows every mismatch.
 */
class CLIPTokenizerGoldenTest {

  private static final int CASES = 31;
  private static JsonObject golden;

  @BeforeAll
  static void readGolden() throws IOException {
    try (InputStream in =
        CLIPTokenizerGoldenTest.class.getResourceAsStream("/golden/tokenizer_golden.json")) {
      golden =
          JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
              .getAsJsonObject();
    }
  }

  private static JsonArray cases() {
    JsonArray cases = golden.getAsJsonArray("cases");
    assertEquals(CASES, cases.size(), "tokenizer_golden.json case count");
    return cases;
  }

  @Test
  void noFtfyMatchesIdsTokensAndPaddedIds() {
    CLIPTokenizer tok = CLIPTokenizer.defaultClip();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      JsonObject c = cases().get(i).getAsJsonObject();
      String text = c.get("text").getAsString();
      JsonObject want = c.getAsJsonObject("hf_slow_no_ftfy");
      check(failures, i, text, "input_ids", ints(want, "input_ids"), tok.encode(text));
      checkTokens(failures, i, text, strings(want, "tokens"), tok.convertIdsToTokens(tok.encode(text)));
      check(failures, i, text, "input_ids_max_length_77",
          ints(want, "input_ids_max_length_77"), tok.encodePadded(text));
    }
    assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
  }

  @Test
  void addedPlaceholderTokensMatch() {
    CLIPTokenizer tok = CLIPTokenizer.defaultClip();
    int[] ids = tok.addTokens(List.of("<v1>", "<v2>"));
    assertEquals(golden.getAsJsonObject("added_tokens").get("<v1>").getAsInt(), ids[0]);
    assertEquals(golden.getAsJsonObject("added_tokens").get("<v2>").getAsInt(), ids[1]);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      JsonObject c = cases().get(i).getAsJsonObject();
      String text = c.get("text").getAsString();
      JsonObject want = c.getAsJsonObject("hf_slow_no_ftfy_added_v1_v2");
      check(failures, i, text, "input_ids", ints(want, "input_ids"), tok.encode(text));
      checkTokens(failures, i, text, strings(want, "tokens"), tok.convertIdsToTokens(tok.encode(text)));
      check(failures, i, text, "input_ids_max_length_77",
          ints(want, "input_ids_max_length_77"), tok.encodePadded(text));
    }
    assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
  }

  /** SD 2.x: pad "!" is a special token, so each "!" in the text is cut out before BPE. */
  @Test
  void exclamationPadMatches(@TempDir Path dir) throws Exception {
    Path src = Path.of(CLIPTokenizerGoldenTest.class.getResource("/golden/clip-tokenizer").toURI());
    Files.copy(src.resolve("vocab.json"), dir.resolve("vocab.json"));
    Files.copy(src.resolve("merges.txt"), dir.resolve("merges.txt"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"model_max_length\": 77, \"pad_token\": \"!\","
            + " \"bos_token\": \"<|startoftext|>\", \"eos_token\": \"<|endoftext|>\"}");
    CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir);
    assertEquals(golden.getAsJsonObject("special_ids").get("!").getAsInt(), tok.padTokenId());
    CLIPTokenizer shippedSd2 = CLIPTokenizer.defaultClip("!");
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      JsonObject c = cases().get(i).getAsJsonObject();
      String text = c.get("text").getAsString();
      JsonObject want = c.getAsJsonObject("hf_slow_no_ftfy_pad_exclamation");
      check(failures, i, text, "input_ids_max_length_77",
          ints(want, "input_ids_max_length_77"), tok.encodePadded(text));
      check(failures, i, text, "input_ids_max_length_77 (defaultClip(\"!\"))",
          ints(want, "input_ids_max_length_77"), shippedSd2.encodePadded(text));
    }
    assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
  }

  /** The shipped main resource must be the golden vocabulary itself. */
  @Test
  void shippedVocabularyEqualsGoldenFolder() throws TokenizerException, URISyntaxException {
    Path src = Path.of(CLIPTokenizerGoldenTest.class.getResource("/golden/clip-tokenizer").toURI());
    CLIPTokenizer fromFolder = CLIPTokenizer.fromFolder(src);
    CLIPTokenizer shipped = CLIPTokenizer.defaultClip();
    assertEquals(49408, shipped.vocabSize());
    assertEquals(fromFolder.vocabSize(), shipped.vocabSize());
    int[] all = java.util.stream.IntStream.range(0, shipped.vocabSize()).toArray();
    assertEquals(fromFolder.convertIdsToTokens(all), shipped.convertIdsToTokens(all));
    String text = cases().get(30).getAsJsonObject().get("text").getAsString();
    assertEquals(Arrays.toString(fromFolder.encode(text)), Arrays.toString(shipped.encode(text)));
  }

  private static void check(
      List<String> failures, int i, String text, String field, int[] want, int[] got) {
    if (!Arrays.equals(want, got)) {
      failures.add(name(i, text) + " " + field + ": want " + Arrays.toString(want)
          + " got " + Arrays.toString(got));
    }
  }

  private static void checkTokens(
      List<String> failures, int i, String text, List<String> want, List<String> got) {
    if (!want.equals(got)) {
      failures.add(name(i, text) + " tokens: want " + want + " got " + got);
    }
  }

  private static String name(int i, String text) {
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return "case " + i + " \"" + shown.replace("\n", "\\n") + "\"";
  }

  private static int[] ints(JsonObject o, String key) {
    JsonArray a = o.getAsJsonArray(key);
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  private static List<String> strings(JsonObject o, String key) {
    List<String> out = new ArrayList<>();
    for (JsonElement e : o.getAsJsonArray(key)) {
      out.add(e.getAsString());
    }
    return out;
  }
}
