package dev.unmasked.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour around the golden cases: added tokens, truncation report, decode, loading errors. */
class CLIPTokenizerTest {

  private static final String LONG =
      "a highly detailed photograph of a red fox sitting in the snow, golden hour lighting ";
  private static CLIPTokenizer shared;

  @BeforeAll
  static void load() {
    shared = CLIPTokenizer.defaultClip();
  }

  @Test
  void byteTableIsABijectionWithGpt2Anchors() {
    Set<Character> seen = new HashSet<>();
    for (int b = 0; b < 256; b++) {
      seen.add(ByteLevel.charOf(b));
    }
    assertEquals(256, seen.size());
    assertEquals('A', ByteLevel.charOf('A'));
    assertEquals('\u0120', ByteLevel.charOf(' ')); // GPT-2's "Ġ"
    assertEquals('\u0100', ByteLevel.charOf(0));
    String text = "naïve 日本 🐱 \u0000x";
    assertEquals(text, ByteLevel.decode(ByteLevel.encode(text)));
  }

  @Test
  void cleanerFollowsBasicTokenizer() {
    assertEquals("a b", TextCleaner.clean("a\u2028b")); // str.split() separator, not Zs
    assertEquals("x y z", TextCleaner.clean("  X\tY\u00a0Z \n"));
    assertEquals("ab", TextCleaner.clean("a\u0007\u200bb"));
    assertEquals("x 日 本 y", TextCleaner.clean("x日本y"));
    assertEquals("\u00e9", TextCleaner.clean("E\u0301")); // NFC then lower case
    assertEquals("", TextCleaner.clean(" \t "));
  }

  @Test
  void longPromptIsTruncatedAndTheCutIsReported() {
    String text = LONG.repeat(6).strip();
    int[] full = shared.encode(text);
    assertEquals(98, full.length);
    PromptEncoding p = shared.encodePrompt(text);
    assertTrue(p.truncated());
    assertEquals(77, p.used());
    assertEquals(77, p.inputIds().length);
    assertArrayEquals(Arrays.copyOfRange(full, 0, 76), Arrays.copyOfRange(p.inputIds(), 0, 76));
    assertEquals(shared.eosTokenId(), p.inputIds()[76]);
    assertArrayEquals(Arrays.copyOfRange(full, 76, 97), p.droppedIds());
    // 16 tokens per repetition: 75 kept = 4 repetitions + 11 tokens, up to "in the".
    assertEquals("snow, golden hour lighting " + LONG.strip(), p.droppedText());
  }

  @Test
  void shortPromptReportsUsedPositions() {
    PromptEncoding p = shared.encodePrompt("a photo of a cat");
    assertFalse(p.truncated());
    assertEquals(7, p.used());
    assertEquals("", p.droppedText());
    assertArrayEquals(new int[] {5}, p.positionsOf(2368)); // bos a photo of a cat</w>
  }

  @Test
  void addedTokensGetIdsAfterTheVocabularyAndStayWhole() {
    CLIPTokenizer tok = CLIPTokenizer.defaultClip();
    assertEquals(49408, tok.size());
    assertArrayEquals(new int[] {49408, 49409}, tok.addTokens(List.of("<v1>", "<v2>")));
    assertArrayEquals(new int[] {49409, 49410}, tok.addTokens(List.of("<v2>", "<v3>")));
    assertArrayEquals(new int[] {1481}, tok.addTokens(List.of("cat"))); // already in vocab.json
    assertEquals(49411, tok.size());
    assertEquals(49408, tok.vocabSize());
    assertEquals(49410, tok.tokenId("<v3>"));
    assertEquals(List.of("a</w>", "<v1>", "and</w>", "<v3>"), tok.tokenize("a <v1> and <v3>"));
    assertEquals(List.of("<</w>", "v</w>", "1</w>", "></w>"), tok.tokenize("<V1>"));
    PromptEncoding p = tok.encodePrompt("<v1> and <v1>");
    assertArrayEquals(new int[] {1, 3}, p.positionsOf(49408));
    assertThrows(IllegalArgumentException.class, () -> tok.addTokens(List.of("")));
    // The shared instance is unaffected.
    assertFalse(shared.hasToken("<v1>"));
  }

  @Test
  void initializerWordsReportHowManyTokensTheyBecome() {
    assertEquals(1, shared.countTokens("person"));
    assertEquals(1, shared.countTokens("Dog"));
    int n = shared.countTokens("supercalifragilisticexpialidocious");
    assertTrue(n > 1, "a long word splits into several tokens, got " + n);
    assertEquals(2533, shared.tokenId("person</w>"));
  }

  @Test
  void decodeJoinsWordsAndCleansSpaces() {
    CLIPTokenizer tok = CLIPTokenizer.defaultClip();
    tok.addTokens(List.of("<v1>"));
    int[] ids = tok.encode("A photo of <v1>, on the beach!");
    assertEquals("a photo of <v1>, on the beach!", tok.decode(ids, true));
    assertEquals(
        "<|startoftext|>a photo of <v1>, on the beach! <|endoftext|>", tok.decode(ids, false));
    assertEquals("日本語", shared.decode(shared.encode("日本語", false), true).replace(" ", ""));
  }

  @Test
  void unknownTokenOrIdIsRefusedClearly() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> shared.tokenId("<nope>"));
    assertTrue(e.getMessage().contains("<nope>"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> shared.convertIdsToTokens(new int[] {49408}));
  }

  @Test
  void missingOrBrokenFilesAreNamed(@TempDir Path dir) throws Exception {
    TokenizerException missing =
        assertThrows(TokenizerException.class, () -> CLIPTokenizer.fromFolder(dir));
    assertTrue(missing.getMessage().contains(dir.resolve("vocab.json").toString()));

    Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": 0, \"b</w>\": 1}");
    TokenizerException noMerges =
        assertThrows(TokenizerException.class, () -> CLIPTokenizer.fromFolder(dir));
    assertTrue(noMerges.getMessage().contains("merges.txt"), noMerges.getMessage());

    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 77,");
    TokenizerException badJson =
        assertThrows(TokenizerException.class, () -> CLIPTokenizer.fromFolder(dir));
    assertTrue(badJson.getMessage().contains("tokenizer_config.json"), badJson.getMessage());

    Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": \"zero\"}");
    TokenizerException badId =
        assertThrows(TokenizerException.class, () -> CLIPTokenizer.fromFolder(dir));
    assertTrue(badId.getMessage().contains("vocab.json"), badId.getMessage());
  }

  @Test
  void specialTokensMissingFromTheVocabularyAreAppendedAndNullPadIsReported(@TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": 0, \"b</w>\": 1}");
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\", \"unk_token\": \"</s>\","
            + " \"pad_token\": null, \"model_max_length\": 8}");
    CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir);
    assertEquals(2, tok.bosTokenId());
    assertEquals(3, tok.eosTokenId());
    assertEquals(4, tok.size());
    assertArrayEquals(new int[] {2, 0, 1, 0, 3}, tok.encode("a b A"));
    assertArrayEquals(new int[] {2, 3, 3}, tok.encode("c")); // unknown byte -> unk
    assertThrows(IllegalStateException.class, () -> tok.encodePadded("a"));
  }

  @Test
  void singleWordAddedTokenOnlyMatchesStandingAlone(@TempDir Path dir) throws Exception {
    Path src = Path.of(getClass().getResource("/golden/tiny-sd/tokenizer").toURI());
    Files.copy(src.resolve("vocab.json"), dir.resolve("vocab.json"));
    Files.copy(src.resolve("merges.txt"), dir.resolve("merges.txt"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"added_tokens_decoder\": {\"1000\": {\"content\": \"<x>\", \"single_word\": true}}}");
    CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir);
    assertEquals(1001, tok.size());
    assertTrue(Arrays.stream(tok.encode("a <x> b")).anyMatch(id -> id == 1000));
    assertFalse(Arrays.stream(tok.encode("a<x> b")).anyMatch(id -> id == 1000));
  }
}
