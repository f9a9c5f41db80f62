package dev.unmasked.tokenizer;

import dev.unmasked.tokenizer.AddedTokenSplitter.Piece;
import dev.unmasked.tokenizer.TokenizerConfig.SpecialToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CLIP's byte-level BPE tokenizer, id for id the same as transformers' slow {@code CLIPTokenizer}
 * (4.36) when ftfy is not installed (the default of a plain diffusers install); see
 * docs/TOKENIZER.md for what ftfy would change.
 *
 * <p>Pipeline: added tokens (bos/eos/unk/pad and {@link #addTokens} placeholders such as {@code
 * <v1>}) are cut out of the raw text case-sensitively; each remaining piece is cleaned like
 * BasicTokenizer (control characters, whitespace, CJK spacing, NFC, lower case), split by CLIP's
 * regex, turned into GPT-2 byte characters and merged by BPE with {@code </w>} on the last symbol.
 * A pad token such as SD 2.x's {@code !} is an added special token too, so every {@code !} in the
 * text becomes its own token, as in transformers ≥ 4.34.
 *
 * <p>Shapes: {@link #encode(String)} gives {@code [n + 2]} ids (bos, n tokens, eos), not truncated;
 * {@link #encodePadded(String)} gives {@code [modelMaxLength]} (77) ids, what the text encoder
 * receives. Thread-safe; {@link #addTokens} changes the tokenizer for all later calls.
 */
public final class CLIPTokenizer {

  /** The class-path folder of the shipped CLIP vocabulary (openai/clip-vit-large-patch14). */
  public static final String DEFAULT_RESOURCE = "/dev/unmasked/tokenizer/clip-vit-large-patch14";

  /** Added tokens as one immutable snapshot, replaced whole by {@link #addTokens}. */
  private record Added(
      Map<String, AddedToken> byContent,
      Map<Integer, AddedToken> byId,
      AddedTokenSplitter splitter) {
    static Added of(Map<String, AddedToken> byContent) {
      Map<Integer, AddedToken> byId = new HashMap<>();
      byContent.values().forEach(t -> byId.put(t.id(), t));
      return new Added(
          Collections.unmodifiableMap(new LinkedHashMap<>(byContent)),
          Collections.unmodifiableMap(byId),
          new AddedTokenSplitter(byContent.values()));
    }
  }

  private final Map<String, Integer> encoder;
  private final Map<Integer, String> decoder;
  private final BytePairEncoder bpe;
  private final TokenizerConfig config;
  private final List<String> specialContents;
  private volatile Added added;

  private CLIPTokenizer(TokenizerFiles.Contents files) {
    this.encoder = files.vocab();
    this.decoder = files.decoder();
    this.bpe = new BytePairEncoder(files.ranks());
    this.config = files.config();

    List<SpecialToken> specials = new ArrayList<>();
    specials.add(config.bos());
    specials.add(config.eos());
    specials.add(config.unk());
    config.pad().ifPresent(specials::add);
    specials.addAll(config.additionalSpecial());
    this.specialContents = specials.stream().map(SpecialToken::content).distinct().toList();

    // PreTrainedTokenizer.__init__: declared tokens keep their ids, then missing special tokens are
    // added (found in the vocabulary, or appended after it).
    Map<String, AddedToken> byContent = new LinkedHashMap<>();
    config.declared().forEach(t -> byContent.put(t.content(), t));
    for (SpecialToken s : specials) {
      if (!byContent.containsKey(s.content())) {
        int id = encoder.getOrDefault(s.content(), nextId(byContent));
        byContent.put(
            s.content(),
            new AddedToken(s.content(), id, true, s.lstrip(), s.rstrip(), s.singleWord()));
      }
    }
    this.added = Added.of(byContent);
  }

  /** Loads a tokenizer folder ({@code vocab.json}, {@code merges.txt}, optional JSON configs). */
  public static CLIPTokenizer fromFolder(Path dir) throws TokenizerException {
    return new CLIPTokenizer(TokenizerFiles.load(TokenizerFiles.folder(dir)));
  }

  /**
   * The shipped CLIP ViT-L/14 vocabulary (49408 entries, pad = eos, 77 positions), the tokenizer
   * of SD 1.x; single-file checkpoints carry none. Each call returns a fresh, independent instance.
   */
  public static CLIPTokenizer defaultClip() {
    return new CLIPTokenizer(DefaultVocabulary.CONTENTS);
  }

  /**
   * The shipped vocabulary with another pad token: {@code "!"} gives the SD 2.x tokenizer
   * (stabilityai/stable-diffusion-2 pads with {@code !}, id 0, which also splits off every {@code !}
   * in the text). The pad token is looked up in the vocabulary or appended after it.
   */
  public static CLIPTokenizer defaultClip(String padToken) {
    if (padToken == null || padToken.isEmpty()) {
      throw new IllegalArgumentException("pad token must be non-empty");
    }
    TokenizerFiles.Contents c = DefaultVocabulary.CONTENTS;
    return new CLIPTokenizer(
        new TokenizerFiles.Contents(c.vocab(), c.decoder(), c.ranks(), c.config().withPad(padToken)));
  }

  // Parsed once per JVM on first use (class-holder idiom); the contents are immutable.
  private static final class DefaultVocabulary {
    static final TokenizerFiles.Contents CONTENTS = load();

    private static TokenizerFiles.Contents load() {
      try {
        return TokenizerFiles.load(TokenizerFiles.classpath(DEFAULT_RESOURCE));
      } catch (TokenizerException e) {
        throw new IllegalStateException("the shipped CLIP vocabulary is missing or broken", e);
      }
    }
  }

  // ---------------------------------------------------------------------------------- encoding

  /** The token strings of {@code text}, no bos/eos (transformers' {@code tokenize}). */
  public List<String> tokenize(String text) {
    return tokenize(added, text);
  }

  private List<String> tokenize(Added snapshot, String text) {
    List<String> out = new ArrayList<>();
    for (Piece piece : snapshot.splitter().split(text)) {
      if (piece.isAdded()) {
        out.add(piece.text());
      } else {
        for (String word : PreTokenizer.split(TextCleaner.clean(piece.text()))) {
          out.addAll(bpe.encode(ByteLevel.encode(word)));
        }
      }
    }
    return out;
  }

  /** {@code [n + 2]} ids: bos, the text's tokens, eos; no truncation, no padding. */
  public int[] encode(String text) {
    return encode(text, true);
  }

  /** The text's ids, with bos/eos only if {@code addSpecialTokens}; never truncated. */
  public int[] encode(String text, boolean addSpecialTokens) {
    Added snapshot = added; // one snapshot, so a concurrent addTokens cannot mix states
    List<String> tokens = tokenize(snapshot, text);
    int offset = addSpecialTokens ? 1 : 0;
    int[] ids = new int[tokens.size() + 2 * offset];
    for (int i = 0; i < tokens.size(); i++) {
      ids[i + offset] = idOf(snapshot, tokens.get(i));
    }
    if (addSpecialTokens) {
      ids[0] = bosTokenId();
      ids[ids.length - 1] = eosTokenId();
    }
    return ids;
  }

  /** {@code [modelMaxLength]} ids as the text encoder receives them; see {@link #encodePrompt}. */
  public int[] encodePadded(String text) {
    return encodePrompt(text).inputIds();
  }

  /**
   * Pads to {@code modelMaxLength} with the pad token after truncating to bos + the first {@code
   * modelMaxLength - 2} tokens + eos, and reports what was cut.
   *
   * @throws IllegalStateException if the tokenizer config has no pad token
   */
  public PromptEncoding encodePrompt(String text) {
    int max = modelMaxLength();
    int pad = padTokenId();
    int[] content = encode(text, false);
    int kept = Math.min(content.length, max - 2);
    int[] ids = new int[max];
    Arrays.fill(ids, pad);
    ids[0] = bosTokenId();
    System.arraycopy(content, 0, ids, 1, kept);
    ids[kept + 1] = eosTokenId();
    int[] dropped = Arrays.copyOfRange(content, kept, content.length);
    String droppedText = dropped.length == 0 ? "" : decode(dropped, false);
    return new PromptEncoding(ids, kept + 2, dropped, droppedText);
  }

  /** How many tokens {@code text} becomes without bos/eos (1 for a word that is one token). */
  public int countTokens(String text) {
    return tokenize(text).size();
  }

  // ---------------------------------------------------------------------------------- added tokens

  /**
   * Adds plain tokens matched literally and case-sensitively in raw text, never split
   * (transformers' {@code add_tokens}). Returns each token's id: new tokens get ids after the
   * current {@link #size()} (49408, 49409, ... for CLIP); a token that already exists (in the
   * vocabulary or added before) keeps its id and the tokenizer is unchanged for it, as in
   * transformers, so callers that need fresh ids compare against {@link #size()} before the call.
   */
  public synchronized int[] addTokens(List<String> tokens) {
    Map<String, AddedToken> byContent = new LinkedHashMap<>(added.byContent());
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t == null || t.isEmpty()) {
        throw new IllegalArgumentException("cannot add an empty token (item " + i + ")");
      }
      AddedToken existing = byContent.get(t);
      if (existing != null) {
        ids[i] = existing.id();
        continue;
      }
      boolean special = specialContents.contains(t);
      int id = encoder.getOrDefault(t, nextId(byContent));
      byContent.put(t, new AddedToken(t, id, special, false, false, false));
      ids[i] = id;
    }
    added = Added.of(byContent);
    return ids;
  }

  /** All added tokens (special ones included), in the order they were added. */
  public List<AddedToken> addedTokens() {
    return List.copyOf(added.byContent().values());
  }

  // ---------------------------------------------------------------------------------- decoding

  /** Token strings of {@code ids} (transformers' {@code convert_ids_to_tokens}). */
  public List<String> convertIdsToTokens(int[] ids) {
    Added snapshot = added;
    List<String> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(tokenOf(snapshot, id));
    }
    return out;
  }

  /**
   * Text of {@code ids} (transformers' {@code decode} with {@code
   * clean_up_tokenization_spaces=True}): {@code </w>} becomes a space; added non-special tokens are
   * joined with spaces; with {@code skipSpecialTokens} the bos/eos/unk/pad ids are left out.
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    Added snapshot = added;
    List<String> subTexts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int id : ids) {
      String token = tokenOf(snapshot, id);
      boolean special = specialContents.contains(token) && idOf(snapshot, token) == id;
      if (skipSpecialTokens && special) {
        continue;
      }
      if (snapshot.byContent().containsKey(token) && !special) {
        flush(current, subTexts, true);
        subTexts.add(token);
      } else {
        current.append(token);
      }
    }
    flush(current, subTexts, false);
    return cleanUpTokenization(String.join(" ", subTexts));
  }

  private static void flush(StringBuilder current, List<String> subTexts, boolean dropEmpty) {
    if (current.length() == 0) {
      return;
    }
    String text = ByteLevel.decode(current.toString()).replace(BytePairEncoder.END_OF_WORD, " ");
    text = TextCleaner.stripPython(text);
    if (!dropEmpty || !text.isEmpty()) {
      subTexts.add(text);
    }
    current.setLength(0);
  }

  // PreTrainedTokenizerBase.clean_up_tokenization
  private static String cleanUpTokenization(String s) {
    return s.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re");
  }

  // ---------------------------------------------------------------------------------- lookups

  /**
   * The id of a token string (added tokens first, then the vocabulary), e.g. {@code "<v1>"} or
   * {@code "cat</w>"}.
   *
   * @throws IllegalArgumentException if the token is unknown (see {@link #hasToken})
   */
  public int tokenId(String token) {
    Added snapshot = added;
    AddedToken a = snapshot.byContent().get(token);
    if (a != null) {
      return a.id();
    }
    Integer id = encoder.get(token);
    if (id == null) {
      throw new IllegalArgumentException(
          "token '" + token + "' is neither in the vocabulary (" + vocabSize()
              + " entries) nor an added token");
    }
    return id;
  }

  /** Whether {@link #tokenId} knows {@code token}. */
  public boolean hasToken(String token) {
    return added.byContent().containsKey(token) || encoder.containsKey(token);
  }

  /** Entries of {@code vocab.json} (transformers' {@code vocab_size}): 49408 for CLIP. */
  public int vocabSize() {
    return encoder.size();
  }

  /** Vocabulary plus added tokens ({@code len(tokenizer)}): the embedding table's row count. */
  public int size() {
    return nextId(added.byContent());
  }

  public int modelMaxLength() {
    return config.modelMaxLength();
  }

  public int bosTokenId() {
    return tokenId(config.bos().content());
  }

  public int eosTokenId() {
    return tokenId(config.eos().content());
  }

  /** @throws IllegalStateException if the config has {@code "pad_token": null} */
  public int padTokenId() {
    return tokenId(
        config
            .pad()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "this tokenizer has no pad token (pad_token is null in its config)"))
            .content());
  }

  private int idOf(Added snapshot, String token) {
    AddedToken a = snapshot.byContent().get(token);
    if (a != null) {
      return a.id();
    }
    Integer id = encoder.get(token);
    return id != null ? id : tokenId(config.unk().content());
  }

  private String tokenOf(Added snapshot, int id) {
    AddedToken a = snapshot.byId().get(id);
    if (a != null) {
      return a.content();
    }
    String t = decoder.get(id);
    if (t == null) {
      throw new IllegalArgumentException(
          "token id " + id + " is outside this tokenizer (size " + size() + ")");
    }
    return t;
  }

  // len(get_vocab()): vocabulary entries plus added contents not in it.
  private int nextId(Map<String, AddedToken> byContent) {
    int extra = 0;
    for (String c : byContent.keySet()) {
      if (!encoder.containsKey(c)) {
        extra++;
      }
    }
    return encoder.size() + extra;
  }
}
