package dev.unmasked.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.basemodel.ToyModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toy model's reduced CLIP vocabulary as the tokenizer reads it back from the written folder:
 * its words are single tokens, anything else falls back to CLIP's byte symbols (whose ids match
 * the real CLIP vocabulary's first 512 entries), added tokens come after it.
 */
class VocabularyBuilderTest {
  private static VocabularyBuilder.Vocabulary vocabulary;

  @TempDir static Path dir;

  @BeforeAll
  static void build() {
    vocabulary = ToyModelSpec.vocabulary();
  }

  private static CLIPTokenizer written() throws Exception {
    Path folder = dir.resolve("tokenizer");
    if (!Files.exists(folder.resolve("vocab.json"))) {
      VocabularyBuilder.write(vocabulary, folder);
    }
    return CLIPTokenizer.fromFolder(folder);
  }

  @Test
  void everyWordIsOneToken() throws Exception {
    CLIPTokenizer tok = written();
    for (String w : ToyModelSpec.words()) {
      assertEquals(List.of(w + "</w>"), tok.tokenize(w), "word '" + w + "'");
    }
  }

  @Test
  void captionTokenizesToOneTokenPerWord() throws Exception {
    CLIPTokenizer tok = written();
    String caption = "a striped red star and a blue circle on the sand";
    String[] words = caption.split(" ");
    int[] ids = tok.encode(caption, false);
    assertEquals(words.length, ids.length);
    for (int i = 0; i < words.length; i++) {
      assertEquals(vocabulary.vocab().get(words[i] + "</w>"), ids[i], "word '" + words[i] + "'");
    }
    int[] padded = tok.encodePadded(caption);
    assertEquals(77, padded.length);
    assertEquals(tok.bosTokenId(), padded[0]);
    assertEquals(tok.eosTokenId(), padded[words.length + 1]);
    assertEquals(tok.eosTokenId(), padded[76]); // pad = eos
  }

  @Test
  void unknownTextFallsBackToByteSymbols() throws Exception {
    CLIPTokenizer tok = written();
    String text = "zebra \u00fcn\u00efcode 123!";
    List<String> tokens = tok.tokenize(text);
    int unk = tok.tokenId("<|endoftext|>");
    for (int id : tok.encode(text, false)) {
      assertTrue(id != unk && id < tok.bosTokenId(), "id " + id + " in " + tokens);
    }
    for (String t : tokens) {
      assertTrue(tok.hasToken(t), t);
    }
    // No word of the text is in the word list: single letters, UTF-8 bytes, CLIP's split digits.
    assertEquals(List.of("z", "e", "b", "r", "a</w>", "\u00c3", "\u00bc", "n", "\u00c3", "\u00af",
        "c", "o", "d", "e</w>", "1</w>", "2</w>", "3</w>", "!</w>"), tokens);
    assertEquals("zebra \u00fcn\u00efcode 1 2 3!", tok.decode(tok.encode(text, false), true));
  }

  @Test
  void addedTokenGetsNextIdAndIsMatchedLiterally() throws Exception {
    CLIPTokenizer tok = written();
    assertEquals(vocabulary.size(), tok.vocabSize());
    assertArrayEquals(new int[] {vocabulary.size()}, tok.addTokens(List.of("<v1>")));
    assertEquals(vocabulary.size() + 1, tok.size());
    assertEquals(List.of("a</w>", "<v1>", "on</w>", "the</w>", "sand</w>"),
        tok.tokenize("a <v1> on the sand"));
    int[] ids = tok.encode("a photo of <v1>", false);
    assertEquals(vocabulary.size(), ids[ids.length - 1]);
  }

  @Test
  void byteSymbolsHaveClipIds() throws Exception {
    Map<String, Integer> v = vocabulary.vocab();
    assertEquals(0, v.get("!"));
    assertEquals(256, v.get("!</w>"));
    assertEquals(93, v.get("~"));
    assertEquals(255, v.get("Ń"));
    CLIPTokenizer clip = CLIPTokenizer.defaultClip();
    int[] first = new int[512];
    for (int i = 0; i < 512; i++) {
      first[i] = i;
    }
    List<String> clipTokens = clip.convertIdsToTokens(first);
    List<String> ours = new ArrayList<>(v.keySet()).subList(0, 512);
    assertEquals(clipTokens, ours);
    for (int i = 0; i < 512; i++) {
      assertEquals(i, v.get(ours.get(i)));
    }
    CLIPTokenizer tok = written();
    assertEquals(v.size() - 2, tok.bosTokenId());
    assertEquals(v.size() - 1, tok.eosTokenId());
  }

  @Test
  void buildIsDeterministic() throws Exception {
    VocabularyBuilder.Vocabulary again = ToyModelSpec.vocabulary();
    assertEquals(new ArrayList<>(vocabulary.vocab().entrySet()),
        new ArrayList<>(again.vocab().entrySet()));
    assertEquals(vocabulary.merges().size(), again.merges().size());
    for (int i = 0; i < vocabulary.merges().size(); i++) {
      assertArrayEquals(vocabulary.merges().get(i), again.merges().get(i), "merge " + i);
    }
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    VocabularyBuilder.write(vocabulary, a);
    VocabularyBuilder.write(again, b);
    for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json",
        "special_tokens_map.json")) {
      assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
    }
  }

  @Test
  void sizeMatchesTextEncoderConfig() {
    assertEquals(vocabulary.size(),
        ToyModelSpec.textEncoderJson().get("vocab_size").getAsInt());
    assertEquals(vocabulary.size(), ToyModelSpec.textEncoderConfig().vocabSize());
  }
}
