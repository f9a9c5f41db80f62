package dev.unmasked.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {
  @TempDir Path dir;

  private static final Path VAE =
      Paths.get("src/test/resources/golden/tiny-sd/vae/diffusion_pytorch_model.safetensors");
  private static final String SHARD1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
  private static final String SHARD2 = "diffusion_pytorch_model-00002-of-00002.safetensors";

  private Path index;

  /** Splits the tiny VAE into two shards (decoder.* / the rest) with an index, as diffusers would. */
  @BeforeEach
  void shard() throws IOException {
    index = dir.resolve("diffusion_pytorch_model.safetensors.index.json");
    SafetensorsWriter a = new SafetensorsWriter().metadata("format", "pt");
    SafetensorsWriter b = new SafetensorsWriter().metadata("format", "pt");
    JsonObject map = new JsonObject();
    try (SafetensorsFile f = SafetensorsFile.open(VAE)) {
      for (String k : f.keys()) {
        boolean first = k.startsWith("decoder.");
        (first ? a : b).putF32(k, f.floats(k), f.info(k).shape());
        map.addProperty(k, first ? SHARD1 : SHARD2);
      }
    }
    a.write(dir.resolve(SHARD1));
    b.write(dir.resolve(SHARD2));
    writeIndex(map);
  }

  private void writeIndex(JsonObject weightMap) throws IOException {
    JsonObject root = new JsonObject();
    JsonObject md = new JsonObject();
    md.addProperty("total_size", Files.size(VAE));
    root.add("metadata", md);
    root.add("weight_map", weightMap);
    Files.writeString(index, root.toString());
  }

  @Test
  void readsEveryTensorLikeTheSingleFile() throws IOException {
    try (SafetensorsFile single = SafetensorsFile.open(VAE);
        ShardedSafetensors s = ShardedSafetensors.open(index)) {
      assertEquals(single.keys(), s.keys());
      for (String k : single.keys()) {
        assertArrayEquals(single.floats(k), s.floats(k), k);
        assertArrayEquals(single.info(k).shape(), s.info(k).shape(), k);
      }
      assertEquals(SHARD1, s.weightMap().get("decoder.conv_in.weight"));
      assertEquals(2, s.shardFiles().size());
      assertEquals(Files.size(VAE), s.metadata().get("total_size").getAsLong());
      assertTrue(s.contains("encoder.conv_in.bias"));
      SafetensorsException e = assertThrows(SafetensorsException.class, () -> s.floats("nope"));
      assertTrue(e.getMessage().contains(index.toString()) && e.getMessage().contains("'nope'"));
    }
  }

  @Test
  void missingShardIsNamed() throws IOException {
    Files.delete(dir.resolve(SHARD2));
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(index));
    assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void keyMappedToTheWrongShardIsNamed() throws IOException {
    JsonObject map = new JsonObject();
    map.addProperty("decoder.conv_in.weight", SHARD2); // lives in SHARD1
    map.addProperty("encoder.conv_in.weight", SHARD2);
    writeIndex(map);
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(index));
    assertTrue(
        e.getMessage().contains("'decoder.conv_in.weight'")
            && e.getMessage().contains(SHARD2)
            && e.getMessage().contains("does not hold it"),
        e.getMessage());
  }

  @Test
  void malformedIndexesAreRefused() throws IOException {
    for (String bad :
        List.of(
            "{\"metadata\":{}}",
            "{\"weight_map\":{}}",
            "{\"weight_map\":{\"a\":3}}",
            "{\"weight_map\":{\"a\":\"../outside.safetensors\"}}",
            "{\"weight_map\":",
            "[]")) {
      Files.writeString(index, bad);
      SafetensorsException e =
          assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(index), bad);
      assertTrue(e.getMessage().startsWith(index.toString()), e.getMessage());
    }
  }
}
