package dev.unmasked.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A checkpoint split over several safetensors files, described by a {@code
 * *.safetensors.index.json}: {@code {"metadata": {...}, "weight_map": {tensor name: shard file}}},
 * as written by diffusers/transformers {@code save_pretrained} for large models.
 *
 * <p>Everything is checked when opened: every shard named in the weight map exists inside the
 * index's folder and is a valid safetensors file, and every key is present in the shard it is mapped
 * to. The weight map is authoritative: {@link #keys()} are its keys, and tensors a shard holds
 * without being listed are not visible.
 */
public final class ShardedSafetensors implements TensorSource {
  private final Path index;
  private final JsonObject metadata;
  private final Map<String, String> weightMap;
  private final Map<String, SafetensorsFile> shards;

  private ShardedSafetensors(
      Path index,
      JsonObject metadata,
      Map<String, String> weightMap,
      Map<String, SafetensorsFile> shards) {
    this.index = index;
    this.metadata = metadata;
    this.weightMap = weightMap;
    this.shards = shards;
  }

  /** Opens the index file and all its shards; any problem is reported naming the index file. */
  public static ShardedSafetensors open(Path indexJson) throws SafetensorsException {
    JsonObject root = readIndex(indexJson);
    JsonElement wm = root.get("weight_map");
    if (wm == null || !wm.isJsonObject()) {
      throw new SafetensorsException(indexJson, "no \"weight_map\" object: not a sharded index");
    }
    JsonElement md = root.get("metadata");
    JsonObject metadata = md != null && md.isJsonObject() ? md.getAsJsonObject() : new JsonObject();
    Map<String, String> weightMap = new TreeMap<>();
    for (Map.Entry<String, JsonElement> e : wm.getAsJsonObject().entrySet()) {
      JsonElement v = e.getValue();
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
        throw new SafetensorsException(
            indexJson, "weight_map entry '" + e.getKey() + "' is not a file name: " + v);
      }
      weightMap.put(e.getKey(), v.getAsString());
    }
    if (weightMap.isEmpty()) {
      throw new SafetensorsException(indexJson, "weight_map is empty");
    }
    Path dir = indexJson.toAbsolutePath().getParent();
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        String shard = e.getValue();
        if (!shards.containsKey(shard)) {
          shards.put(shard, openShard(indexJson, dir, shard, e.getKey()));
        }
        SafetensorsFile f = shards.get(shard);
        if (!f.contains(e.getKey())) {
          throw new SafetensorsException(
              indexJson,
              "tensor '" + e.getKey() + "' is mapped to shard " + shard + ", which does not hold it"
                  + " (shard has " + f.keys().size() + " tensors); the index and shards do not"
                  + " belong together");
        }
      }
    } catch (SafetensorsException e) {
      shards.values().forEach(SafetensorsFile::close);
      throw e;
    }
    return new ShardedSafetensors(
        indexJson, metadata, Collections.unmodifiableMap(weightMap), shards);
  }

  private static JsonObject readIndex(Path indexJson) throws SafetensorsException {
    try (Reader r = Files.newBufferedReader(indexJson, StandardCharsets.UTF_8)) {
      JsonElement root = JsonParser.parseReader(r);
      if (!root.isJsonObject()) {
        throw new SafetensorsException(indexJson, "index is not a JSON object");
      }
      return root.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new SafetensorsException(indexJson, "index is not valid JSON (" + e.getMessage() + ")");
    } catch (IOException e) {
      if (e instanceof SafetensorsException se) {
        throw se;
      }
      throw new SafetensorsException(indexJson, "cannot read index (" + e + ")", e);
    }
  }

  private static SafetensorsFile openShard(Path indexJson, Path dir, String shard, String key)
      throws SafetensorsException {
    Path p = dir.resolve(shard).normalize();
    if (!p.startsWith(dir) || p.equals(dir)) {
      throw new SafetensorsException(
          indexJson, "shard name '" + shard + "' points outside the index's folder " + dir);
    }
    if (!Files.isRegularFile(p)) {
      throw new SafetensorsException(
          indexJson,
          "shard file " + p + " (holding '" + key + "' among others) is missing; download all"
              + " shards listed in the index");
    }
    return SafetensorsFile.open(p);
  }

  public Path indexPath() {
    return index;
  }

  /** The index's {@code metadata} object (often just {@code total_size}); a copy. */
  public JsonObject metadata() {
    return metadata.deepCopy();
  }

  /** Tensor name to shard file name, sorted by tensor name. */
  public Map<String, String> weightMap() {
    return weightMap;
  }

  /** The shard files, in the order first met in the weight map. */
  public List<Path> shardFiles() {
    List<Path> out = new ArrayList<>();
    shards.values().forEach(f -> out.add(f.path()));
    return out;
  }

  @Override
  public Set<String> keys() {
    return weightMap.keySet();
  }

  @Override
  public boolean contains(String key) {
    return weightMap.containsKey(key);
  }

  private SafetensorsFile shardOf(String key) throws SafetensorsException {
    String shard = weightMap.get(key);
    if (shard == null) {
      throw new SafetensorsException(index, "no tensor named '" + key + "' in the weight_map");
    }
    return shards.get(shard);
  }

  /** The entry in its shard; {@code begin}/{@code end} are relative to that shard's data. */
  @Override
  public TensorInfo info(String key) throws SafetensorsException {
    return shardOf(key).info(key);
  }

  @Override
  public float[] floats(String key) throws SafetensorsException {
    return shardOf(key).floats(key);
  }

  public double[] doubles(String key) throws SafetensorsException {
    return shardOf(key).doubles(key);
  }

  public long[] longs(String key) throws SafetensorsException {
    return shardOf(key).longs(key);
  }

  public ByteBuffer bytes(String key) throws SafetensorsException {
    return shardOf(key).bytes(key);
  }

  @Override
  public String describe() {
    return index.toString();
  }

  @Override
  public void close() {
    shards.values().forEach(SafetensorsFile::close);
  }
}
