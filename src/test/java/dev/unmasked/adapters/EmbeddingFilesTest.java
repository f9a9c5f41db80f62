package dev.unmasked.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.UserError;
import dev.unmasked.adapters.Embedding.Format;
import dev.unmasked.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingFilesTest {
  @TempDir Path tmp;

  private static Embedding only(List<Embedding> l) {
    assertEquals(1, l.size());
    return l.get(0);
  }

  @Test
  void readsAllFourFixturesWithTheirTokens() {
    Embedding single = only(EmbeddingFiles.read(Interop.ti("learned_embeds.safetensors"), null));
    assertEquals("<tok>", single.token());
    assertEquals(Format.DIFFUSERS, single.format());
    assertEquals(1, single.count());
    assertEquals(32, single.width());

    Embedding two = only(EmbeddingFiles.read(Interop.ti("learned_embeds_2vec.safetensors"), null));
    assertEquals(List.of("<tok>", "<tok>_1"), two.tokens());

    Embedding emb = only(EmbeddingFiles.read(Interop.ti("a1111_emb_params.safetensors"), null));
    assertEquals("a1111_emb_params", emb.token(), "A1111 names it by the file");
    assertEquals(Format.EMB_PARAMS, emb.format());
    Embedding pt = only(EmbeddingFiles.read(Interop.ti("a1111_embedding.pt"), "<tok>"));
    assertEquals("<tok>", pt.token());
    assertEquals(Format.A1111_PT, pt.format());
    assertEquals("a1111_embedding",
        only(EmbeddingFiles.read(Interop.ti("a1111_embedding.pt"), null)).token());

    for (Embedding e : List.of(emb, pt)) {
      assertEquals(2, e.count());
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(two.vectors()[i], e.vectors()[i], "the three 2-vector files agree");
      }
    }
    assertEquals("<x>", only(EmbeddingFiles.read(Interop.ti("learned_embeds.safetensors"), "<x>"))
        .token(), "an explicit token overrides the key");
  }

  @Test
  void writesBothFormatsByteForByteAsTheFixtures() throws Exception {
    Embedding two = only(EmbeddingFiles.read(Interop.ti("learned_embeds_2vec.safetensors"), null));
    Embedding single = only(EmbeddingFiles.read(Interop.ti("learned_embeds.safetensors"), null));

    Path d1 = tmp.resolve("learned_embeds.safetensors");
    EmbeddingFiles.writeDiffusers(d1, Map.of("<tok>", single.vectors()));
    assertArrayEquals(Files.readAllBytes(Interop.ti("learned_embeds.safetensors")),
        Files.readAllBytes(d1));
    Path d2 = tmp.resolve("learned_embeds_2vec.safetensors");
    EmbeddingFiles.writeDiffusers(d2, Map.of("<tok>", two.vectors()));
    assertArrayEquals(Files.readAllBytes(Interop.ti("learned_embeds_2vec.safetensors")),
        Files.readAllBytes(d2));
    Path e = tmp.resolve("emb.safetensors");
    EmbeddingFiles.writeEmbParams(e, two.vectors());
    assertArrayEquals(Files.readAllBytes(Interop.ti("a1111_emb_params.safetensors")),
        Files.readAllBytes(e));
  }

  @Test
  void severalTokensInOneDiffusersFileRoundTrip() throws Exception {
    Map<String, float[][]> m = new LinkedHashMap<>();
    m.put("<cat>", new float[][] {{1, 2, 3}});
    m.put("<dog>", new float[][] {{4, 5, 6}, {7, 8, 9}});
    Path p = tmp.resolve("two.safetensors");
    EmbeddingFiles.writeDiffusers(p, m);
    List<Embedding> back = EmbeddingFiles.read(p, null);
    assertEquals(List.of("<cat>", "<dog>"), back.stream().map(Embedding::token).toList());
    assertArrayEquals(new float[] {7, 8, 9}, back.get(1).vectors()[1]);
    UserError e = assertThrows(UserError.class, () -> EmbeddingFiles.read(p, "<x>"));
    assertTrue(e.getMessage().contains("2 tokens"), e.getMessage());
  }

  @Test
  void refusesSdxlAndNonEmbeddingFiles() throws Exception {
    Path sdxl = tmp.resolve("xl.safetensors");
    new SafetensorsWriter().putF32("clip_l", new float[768], 1, 768)
        .putF32("clip_g", new float[1280], 1, 1280).write(sdxl);
    UserError e = assertThrows(UserError.class, () -> EmbeddingFiles.read(sdxl, null));
    assertTrue(e.getMessage().contains("SDXL") && e.getMessage().contains(sdxl.toString()));

    Path bad = tmp.resolve("bad.safetensors");
    new SafetensorsWriter().putF32("<t>", new float[8], 2, 2, 2).write(bad);
    UserError shape = assertThrows(UserError.class, () -> EmbeddingFiles.read(bad, null));
    assertTrue(shape.getMessage().contains("[2, 2, 2]"), shape.getMessage());

    UserError missing = assertThrows(UserError.class,
        () -> EmbeddingFiles.read(tmp.resolve("none.pt"), null));
    assertTrue(missing.getMessage().contains("none.pt"));
  }
}
