package dev.unmasked.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads diffusers/transformers {@code config.json} values by their own keys, with the library's
 * defaults for absent keys and errors that name the file and key.
 */
public final class ConfigJson {
  private final JsonObject json;
  private final String source;

  public ConfigJson(JsonObject json, String source) {
    this.json = json;
    this.source = source;
  }

  public static ConfigJson read(Path file) {
    try {
      JsonElement e = JsonParser.parseString(Files.readString(file));
      if (!e.isJsonObject()) {
        throw new WeightLoadException(file + ": not a JSON object");
      }
      return new ConfigJson(e.getAsJsonObject(), file.toString());
    } catch (IOException e) {
      throw new WeightLoadException(file + ": cannot read config (" + e.getMessage() + ")", e);
    } catch (com.google.gson.JsonParseException e) {
      throw new WeightLoadException(file + ": invalid JSON (" + e.getMessage() + ")", e);
    }
  }

  public JsonObject json() {
    return json;
  }

  public String source() {
    return source;
  }

  public boolean isSet(String key) {
    return json.has(key) && !json.get(key).isJsonNull();
  }

  public int getInt(String key, int def) {
    if (!isSet(key)) {
      return def;
    }
    try {
      return json.get(key).getAsInt();
    } catch (RuntimeException e) {
      throw bad(key, "an integer");
    }
  }

  public double getDouble(String key, double def) {
    if (!isSet(key)) {
      return def;
    }
    try {
      return json.get(key).getAsDouble();
    } catch (RuntimeException e) {
      throw bad(key, "a number");
    }
  }

  public boolean getBool(String key, boolean def) {
    if (!isSet(key)) {
      return def;
    }
    JsonElement e = json.get(key);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw bad(key, "true or false");
    }
    return e.getAsBoolean();
  }

  public String getString(String key, String def) {
    if (!isSet(key)) {
      return def;
    }
    return json.get(key).getAsString();
  }

  public List<Integer> getIntList(String key, List<Integer> def) {
    if (!isSet(key)) {
      return def;
    }
    JsonElement e = json.get(key);
    if (!e.isJsonArray()) {
      throw bad(key, "a list of integers");
    }
    List<Integer> out = new ArrayList<>();
    for (JsonElement x : e.getAsJsonArray()) {
      out.add(x.getAsInt());
    }
    return List.copyOf(out);
  }

  public List<String> getStringList(String key, List<String> def) {
    if (!isSet(key)) {
      return def;
    }
    JsonElement e = json.get(key);
    if (!e.isJsonArray()) {
      throw bad(key, "a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonElement x : (JsonArray) e) {
      out.add(x.getAsString());
    }
    return List.copyOf(out);
  }

  /** An int, or a list of ints (one per block), as diffusers allows for attention_head_dim. */
  public List<Integer> getIntOrList(String key, int blocks, List<Integer> def) {
    if (!isSet(key)) {
      return def;
    }
    JsonElement e = json.get(key);
    if (e.isJsonArray()) {
      List<Integer> l = getIntList(key, def);
      if (l.size() != blocks) {
        throw new WeightLoadException(source + ": '" + key + "' lists " + l.size()
            + " values but there are " + blocks + " blocks");
      }
      return l;
    }
    int v = getInt(key, 0);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < blocks; i++) {
      out.add(v);
    }
    return List.copyOf(out);
  }

  /** Fails with a clear message when a key holds a value this implementation does not support. */
  public void require(boolean ok, String key, String supported) {
    if (!ok) {
      throw new WeightLoadException(source + ": '" + key + "' = " + json.get(key)
          + " is not supported (supported: " + supported + ")");
    }
  }

  private WeightLoadException bad(String key, String expected) {
    return new WeightLoadException(
        source + ": '" + key + "' should be " + expected + " but is " + json.get(key));
  }
}
