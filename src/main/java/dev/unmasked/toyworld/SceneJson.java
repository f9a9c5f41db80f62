package dev.unmasked.toyworld;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Scene JSON: the exact description of a scene (attributes, placement, colors, caption). Attribute
 * names and values ({@code background}, {@code shape}, {@code color}, {@code pattern}, lower-case
 * words) are the ones the judge prints, so predictions and truth compare directly. {@link #parseSpec}
 * also reads partial specs (missing fields are sampled), which is what {@code world render --spec}
 * takes.
 */
public final class SceneJson {

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
  private static final Set<String> SCENE_KEYS =
      Set.of("seed", "width", "height", "background", "backgroundSeed", "caption", "objects", "image",
          "backgroundMask", "heldOut");
  private static final Set<String> OBJECT_KEYS =
      Set.of("shape", "color", "pattern", "x", "y", "size", "rotation", "rgb", "patternRgb", "patternCell",
          "heldOut", "mask");

  private SceneJson() {}

  /** The full JSON tree of a scene. */
  public static JsonObject toJsonTree(Scene scene) {
    JsonObject o = new JsonObject();
    o.addProperty("seed", scene.seed());
    o.addProperty("width", Scene.CANVAS);
    o.addProperty("height", Scene.CANVAS);
    o.addProperty("background", scene.background().word());
    o.addProperty("backgroundSeed", scene.backgroundSeed());
    o.addProperty("caption", scene.caption());
    o.addProperty("heldOut", scene.hasHeldOut());
    JsonArray arr = new JsonArray();
    for (SceneObject so : scene.objects()) {
      JsonObject j = new JsonObject();
      j.addProperty("shape", so.shape().word());
      j.addProperty("color", so.color().word());
      j.addProperty("pattern", so.pattern().word());
      j.addProperty("heldOut", HeldOut.isHeldOut(so.triple()));
      j.addProperty("x", so.x());
      j.addProperty("y", so.y());
      j.addProperty("size", so.size());
      j.addProperty("rotation", so.rotation());
      j.addProperty("rgb", hex(so.rgb()));
      j.addProperty("patternRgb", hex(so.patternRgb()));
      j.addProperty("patternCell", so.patternCell());
      arr.add(j);
    }
    o.add("objects", arr);
    return o;
  }

  public static String toJson(Scene scene) {
    return GSON.toJson(toJsonTree(scene));
  }

  public static String pretty(JsonElement tree) {
    return GSON.toJson(tree);
  }

  /** Parses a complete scene JSON (as written by {@link #toJson}); it renders identically. */
  public static Scene fromJson(String json) {
    JsonObject o = parseObject(json);
    requireKeys(o, "scene", "background", "backgroundSeed", "caption", "objects");
    long seed = o.has("seed") ? o.get("seed").getAsLong() : 0L;
    return SceneSampler.sample(seed, SceneOptions.training().withHeldOut(SceneOptions.HeldOutPolicy.INCLUDE),
        parseSpec(o));
  }

  /** Parses a (possibly partial) spec; unknown keys and unknown words are errors that name them. */
  public static SceneSpec parseSpec(String json) {
    return parseSpec(parseObject(json));
  }

  static SceneSpec parseSpec(JsonObject o) {
    checkKeys(o, SCENE_KEYS, "scene");
    Background bg = null;
    if (o.has("background")) {
      String w = o.get("background").getAsString();
      bg = Background.parse(w);
      if (bg == null) {
        throw new IllegalArgumentException("unknown background '" + w + "'; use one of " + words(Background.values()));
      }
    }
    Long bgSeed = o.has("backgroundSeed") ? o.get("backgroundSeed").getAsLong() : null;
    String caption = o.has("caption") ? o.get("caption").getAsString() : null;
    List<SceneSpec.ObjectSpec> objects = null;
    if (o.has("objects")) {
      objects = new ArrayList<>();
      JsonArray arr = o.getAsJsonArray("objects");
      if (arr.size() < 1 || arr.size() > 3) {
        throw new IllegalArgumentException("'objects' must list 1 to 3 objects, it lists " + arr.size());
      }
      for (int i = 0; i < arr.size(); i++) {
        objects.add(parseObjectSpec(arr.get(i).getAsJsonObject(), i));
      }
    }
    return new SceneSpec(bg, bgSeed, objects, caption);
  }

  private static SceneSpec.ObjectSpec parseObjectSpec(JsonObject j, int i) {
    String where = "objects[" + i + "]";
    checkKeys(j, OBJECT_KEYS, where);
    Shape s = null;
    ObjectColor c = null;
    Pattern p = null;
    if (j.has("shape") && (s = Shape.parse(j.get("shape").getAsString())) == null) {
      throw new IllegalArgumentException(where + ": unknown shape '" + j.get("shape").getAsString()
          + "'; use one of " + words(Shape.values()));
    }
    if (j.has("color") && (c = ObjectColor.parse(j.get("color").getAsString())) == null) {
      throw new IllegalArgumentException(where + ": unknown color '" + j.get("color").getAsString()
          + "'; use one of " + words(ObjectColor.values()));
    }
    if (j.has("pattern") && (p = Pattern.parse(j.get("pattern").getAsString())) == null) {
      throw new IllegalArgumentException(where + ": unknown pattern '" + j.get("pattern").getAsString()
          + "'; use one of " + words(Pattern.values()));
    }
    int placement = (j.has("x") ? 1 : 0) + (j.has("y") ? 1 : 0) + (j.has("size") ? 1 : 0) + (j.has("rotation") ? 1 : 0);
    if (placement != 0 && placement != 4) {
      throw new IllegalArgumentException(where + ": give all of x, y, size, rotation or none of them");
    }
    return new SceneSpec.ObjectSpec(s, c, p,
        num(j, "x"), num(j, "y"), num(j, "size"), num(j, "rotation"),
        j.has("rgb") ? parseHex(j.get("rgb").getAsString(), where + ".rgb") : null,
        j.has("patternRgb") ? parseHex(j.get("patternRgb").getAsString(), where + ".patternRgb") : null,
        num(j, "patternCell"));
  }

  private static Double num(JsonObject j, String key) {
    return j.has(key) ? j.get(key).getAsDouble() : null;
  }

  private static JsonObject parseObject(String json) {
    JsonElement e;
    try {
      e = JsonParser.parseString(json);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("not valid JSON: " + ex.getMessage(), ex);
    }
    if (!e.isJsonObject()) {
      throw new IllegalArgumentException("a scene must be a JSON object");
    }
    return e.getAsJsonObject();
  }

  private static void checkKeys(JsonObject o, Set<String> allowed, String where) {
    for (String k : o.keySet()) {
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown key '" + k + "'; allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static void requireKeys(JsonObject o, String where, String... keys) {
    for (String k : keys) {
      if (!o.has(k)) {
        throw new IllegalArgumentException(where + ": missing key '" + k + "'");
      }
    }
  }

  static String hex(int rgb) {
    return String.format(Locale.ROOT, "#%06x", rgb & 0xFFFFFF);
  }

  private static int parseHex(String s, String where) {
    if (!s.matches("#[0-9a-fA-F]{6}")) {
      throw new IllegalArgumentException(where + ": '" + s + "' is not a color like #d2201e");
    }
    return Integer.parseInt(s.substring(1), 16);
  }

  private static String words(Enum<?>[] values) {
    StringBuilder sb = new StringBuilder();
    for (Enum<?> v : values) {
      sb.append(sb.length() == 0 ? "" : ", ").append(v.name().toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }
}
