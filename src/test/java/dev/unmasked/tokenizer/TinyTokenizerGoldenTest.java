package dev.unmasked.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.unmasked.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The 1000-entry tokenizers of the tiny pipelines (486 merges; SD1 pads with eos 999, SD2 with
 * "!" 0) must give the {@code input_ids} stored with the text-encoder goldens.
 */
class TinyTokenizerGoldenTest {

  private static final String[] PROMPTS = {"a photo of an astronaut riding a horse", ""};

  @ParameterizedTest
  @CsvSource({"tiny-sd, text_encoder_sd1_golden.safetensors, 999",
      "tiny-sd2, text_encoder_sd2_golden.safetensors, 0"})
  void paddedIdsMatchTextEncoderGolden(String pipeline, String goldenFile, int padId)
      throws Exception {
    Path golden = Path.of(getClass().getResource("/golden/" + goldenFile).toURI());
    Path dir = Path.of(getClass().getResource("/golden/" + pipeline + "/tokenizer").toURI());
    CLIPTokenizer tok = CLIPTokenizer.fromFolder(dir);
    assertEquals(1000, tok.vocabSize());
    assertEquals(1000, tok.size());
    assertEquals(padId, tok.padTokenId());
    assertEquals(998, tok.bosTokenId());
    assertEquals(999, tok.eosTokenId());
    try (SafetensorsFile f = SafetensorsFile.open(golden)) {
      long[] want = f.longs("input_ids"); // [2, 77]
      assertEquals(PROMPTS.length * 77, want.length);
      for (int b = 0; b < PROMPTS.length; b++) {
        int[] row = Arrays.stream(Arrays.copyOfRange(want, b * 77, (b + 1) * 77))
            .mapToInt(Math::toIntExact).toArray();
        assertArrayEquals(row, tok.encodePadded(PROMPTS[b]),
            pipeline + " prompt \"" + PROMPTS[b] + "\"");
      }
    }
  }
}
