package dev.unmasked.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.UserError;
import dev.unmasked.adapters.Embedding.Format;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.testutil.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The four textual-inversion fixtures loaded into tiny-sd reproduce ti_golden.safetensors. */
class EmbeddingsGoldenTest {
  static final String PROMPT = "a photo of <tok> on the beach";

  /** The golden text-encoder call: 77 padded ids -> last_hidden_state [1, 77, 32]. */
  static NDArray encode(NDManager m, LoadedModel lm, int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return lm.textEncoder().forward(m.create(l, new Shape(1, l.length))).lastHiddenState();
  }

  static long[] longs(int[] a) {
    long[] l = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      l[i] = a[i];
    }
    return l;
  }

  @ParameterizedTest
  @CsvSource({
      "learned_embeds.safetensors, , single",
      "learned_embeds_2vec.safetensors, , two_vector",
      "a1111_emb_params.safetensors, <tok>, two_vector",
      "a1111_embedding.pt, <tok>, two_vector"})
  void reproducesTheGoldenTextEncoderOutput(String file, String token, String golden)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("interop/ti_golden.safetensors")) {
      LoadedModel lm = Interop.tinySd(m);
      List<Embeddings.Added> added =
          Embeddings.applyFiles(lm, List.of(Interop.ti(file)), java.util.Arrays.asList(token));
      assertEquals(1, added.size());
      assertArrayEquals(g.longs(golden + ".token_ids"), longs(added.get(0).ids()), "token ids");
      assertEquals(g.info(golden + ".embedding").shape()[0], lm.textEncoder().extraTokens()
          .getShape().get(0));
      assertArrayEquals(g.floats(golden + ".embedding"),
          lm.textEncoder().extraTokens().toFloatArray(), "rows are the file's tensor");

      String prompt = Embeddings.convertPrompt(lm.tokenizer(), PROMPT);
      assertEquals(golden.equals("single") ? PROMPT : "a photo of <tok> <tok>_1 on the beach",
          prompt);
      int[] ids = lm.tokenizer().encodePadded(prompt);
      assertArrayEquals(g.longs(golden + ".input_ids"), longs(ids), "input ids");
      NDArray out = encode(m, lm, ids);
      NDArray want = Golden.load(m, g, golden + ".last_hidden_state");
      System.out.printf("[golden] ti %s -> %s: max |diff| %.3g%n", file, golden,
          Golden.maxAbsDiff(want, out));
      Golden.assertClose(file + " last_hidden_state", want, out, 1e-4, 1e-4);
    }
  }

  @Test
  void baselineWithoutEmbeddingsIsOrdinaryText() throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsFile g = Golden.open("interop/ti_golden.safetensors")) {
      LoadedModel lm = Interop.tinySd(m);
      assertEquals(PROMPT, Embeddings.convertPrompt(lm.tokenizer(), PROMPT));
      int[] ids = lm.tokenizer().encodePadded(PROMPT);
      assertArrayEquals(g.longs("baseline.input_ids"), longs(ids));
      Golden.assertClose("baseline", Golden.load(m, g, "baseline.last_hidden_state"),
          encode(m, lm, ids), 1e-4, 1e-4);
    }
  }

  @Test
  void wrongWidthIsAnErrorNamingBothWidthsAndTheFile() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = Interop.tinySd(m);
      Path file = Path.of("sd15-style.safetensors");
      Embedding wide = new Embedding("<wide>", new float[2][768], file, Format.DIFFUSERS);
      int before = lm.tokenizer().size();
      UserError e = assertThrows(UserError.class, () -> Embeddings.apply(lm, List.of(wide)));
      assertTrue(e.getMessage().contains("768") && e.getMessage().contains("32")
          && e.getMessage().contains("sd15-style.safetensors"), e.getMessage());
      assertEquals(before, lm.tokenizer().size(), "nothing was added");
      assertNull(lm.textEncoder().extraTokens());
    }
  }

  @Test
  void keepsRowsAlreadyThereAndRefusesKnownTokens() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      LoadedModel lm = Interop.tinySd(m);
      // A concept placeholder set up the way training does it: one extra row for "<c1>".
      lm.tokenizer().addTokens(List.of("<c1>"));
      float[] c1 = new float[32];
      java.util.Arrays.fill(c1, 0.25f);
      lm.textEncoder().setExtraTokens(m.create(c1, new Shape(1, 32)));

      Embedding two = EmbeddingFiles.read(Interop.ti("learned_embeds_2vec.safetensors"), null)
          .get(0);
      List<Embeddings.Added> added = Embeddings.apply(lm, List.of(two));
      assertArrayEquals(new int[] {1001, 1002}, added.get(0).ids());
      float[] rows = lm.textEncoder().extraTokens().toFloatArray();
      assertEquals(3 * 32, rows.length);
      assertArrayEquals(c1, java.util.Arrays.copyOfRange(rows, 0, 32), "the old row is kept");
      assertArrayEquals(two.vectors()[1], java.util.Arrays.copyOfRange(rows, 64, 96));

      UserError again = assertThrows(UserError.class, () -> Embeddings.apply(lm, List.of(two)));
      assertTrue(again.getMessage().contains("'<tok>' is already"), again.getMessage());
      UserError vocab = assertThrows(UserError.class,
          () -> Embeddings.apply(lm, List.of(two.withToken("<|endoftext|>"))));
      assertTrue(vocab.getMessage().contains("<|endoftext|>"), vocab.getMessage());
      assertEquals(1003, lm.tokenizer().size());
    }
  }
}
