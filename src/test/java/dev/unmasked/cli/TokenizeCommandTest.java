package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.io.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code unmasked tokenize} run through {@link Main#commandLine()} with captured output. */
class TokenizeCommandTest {

  private record Run(int rc, String out, String err) {
    JsonObject json() {
      return JsonParser.parseString(out.strip()).getAsJsonObject();
    }
  }

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int rc = cl.execute(args);
    return new Run(rc, out.toString(), err.toString());
  }

  private static Path resource(String name) throws Exception {
    return Path.of(TokenizeCommandTest.class.getResource(name).toURI());
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  private static int[] goldenRow(String file, int row) throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(resource("/golden/" + file))) {
      long[] ids = f.longs("input_ids");
      return Arrays.stream(Arrays.copyOfRange(ids, row * 77, row * 77 + 77))
          .mapToInt(Math::toIntExact).toArray();
    }
  }

  @Test
  void jsonWithoutModelUsesShippedVocabulary() {
    Run r = run("tokenize", "--json", "A photo of a CAT");
    assertEquals(0, r.rc(), r.err());
    JsonObject j = r.json();
    assertEquals(List.of("ids", "tokens", "used"), List.copyOf(j.keySet()));
    int[] ids = ints(j.getAsJsonArray("ids"));
    assertEquals(77, ids.length);
    assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407, 49407}, Arrays.copyOf(ids, 8));
    assertEquals(49407, ids[76]);
    assertEquals(77, j.getAsJsonArray("tokens").size());
    assertEquals("photo</w>", j.getAsJsonArray("tokens").get(2).getAsString());
    assertEquals("<|startoftext|>", j.getAsJsonArray("tokens").get(0).getAsString());
    assertEquals(7, j.get("used").getAsInt());
    assertEquals("", r.err());
  }

  @Test
  void diffusersFoldersUseTheirOwnTokenizer() throws Exception {
    String prompt = "a photo of an astronaut riding a horse";
    Run sd1 = run("tokenize", "--model", resource("/golden/tiny-sd").toString(), "--json", prompt);
    assertEquals(0, sd1.rc(), sd1.err());
    assertArrayEquals(goldenRow("text_encoder_sd1_golden.safetensors", 0), ints(sd1.json().getAsJsonArray("ids")));
    Run sd2 = run("tokenize", "--model", resource("/golden/tiny-sd2").toString(), "--json", "");
    assertArrayEquals(goldenRow("text_encoder_sd2_golden.safetensors", 1), ints(sd2.json().getAsJsonArray("ids")));
    assertEquals(2, sd2.json().get("used").getAsInt());
  }

  @Test
  void humanOutputListsPiecesAndUsedPositions() {
    Run r = run("tokenize", "--add-token", "<v1>", "a <v1> on the beach");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().contains("49408  <v1>"), r.out());
    assertTrue(r.out().contains("beach</w>"), r.out());
    assertTrue(r.out().contains("used 7 of 77 positions"), r.out());
  }

  @Test
  void longPromptWarnsNamingTheCutText() {
    String prompt = "one two three four five six seven eight nine ten ".repeat(8).strip();
    Run r = run("tokenize", "--json", prompt);
    assertEquals(0, r.rc());
    assertEquals(77, r.json().get("used").getAsInt());
    assertTrue(r.err().contains("80 tokens but only 75 fit"), r.err());
    assertTrue(r.err().contains("\"six seven eight nine ten\""), r.err());
  }

  @Test
  void singleFileCheckpointsUseShippedVocabularyWithTheirPad(@TempDir Path dir) throws Exception {
    Path sd1 = writeSafetensors(dir.resolve("sd1.safetensors"),
        "cond_stage_model.transformer.text_model.final_layer_norm.weight");
    Path sd2 = writeSafetensors(dir.resolve("sd2.safetensors"), "cond_stage_model.model.ln_final.weight");
    int[] ids1 = ints(run("tokenize", "--model", sd1.toString(), "--json", "hi!").json().getAsJsonArray("ids"));
    int[] ids2 = ints(run("tokenize", "--model", sd2.toString(), "--json", "hi!").json().getAsJsonArray("ids"));
    assertEquals(49407, ids1[76]);
    assertEquals(0, ids2[76]);
    assertEquals(0, ids2[2]); // "!" split off as the pad token, as SD 2.x's tokenizer does
    assertTrue(ids1[2] != 0);
  }

  @Test
  void errorsNameTheFile(@TempDir Path dir) throws Exception {
    Run missing = run("tokenize", "--model", dir.resolve("nope").toString(), "x");
    assertEquals(2, missing.rc());
    assertTrue(missing.err().contains(dir.resolve("nope").toString()), missing.err());

    Path tok = Files.createDirectories(dir.resolve("model/tokenizer"));
    Files.copy(resource("/golden/tiny-sd/tokenizer/merges.txt"), tok.resolve("merges.txt"));
    Run noVocab = run("tokenize", "--model", dir.resolve("model").toString(), "x");
    assertEquals(2, noVocab.rc());
    assertTrue(noVocab.err().contains(tok.resolve("vocab.json").toString()), noVocab.err());

    Files.writeString(tok.resolve("vocab.json"), "{\"a\": 0,,}");
    Run badJson = run("tokenize", "--model", dir.resolve("model").toString(), "x");
    assertEquals(2, badJson.rc());
    assertTrue(badJson.err().contains(tok.resolve("vocab.json").toString()), badJson.err());

    Run noTokenizer = run("tokenize", "--model", dir.toString(), "x");
    assertEquals(2, noTokenizer.rc());
    assertTrue(noTokenizer.err().contains("tokenizer/"), noTokenizer.err());
  }

  // One F32 tensor of shape [1]: enough for the checkpoint-kind check.
  private static Path writeSafetensors(Path file, String key) throws Exception {
    String header = "{\"" + key + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    while (header.length() % 8 != 0) {
      header += " ";
    }
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(8 + h.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).putFloat(1f);
    Files.write(file, b.array());
    return file;
  }
}
