package dev.unmasked.toyworld.judge;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Pattern;
import dev.unmasked.toyworld.Shape;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the judge says about one image.
 *
 * @param background most likely background
 * @param count predicted number of objects, 1..3
 * @param shape the object's shape if the image has a single object (the single-object head; only
 *     meaningful when there is one object)
 * @param color the single object's color
 * @param pattern the single object's pattern
 * @param shapes shapes present (detection score above the calibrated threshold)
 * @param colors colors present (sigmoid > 0.5)
 * @param feature L2-normalised 128-d feature for image-image similarity (cosine = dot product)
 * @param shapeScores shape-presence logit of each {@link Shape} (in declaration order); {@code shapes}
 *     holds those above the judge's calibrated threshold
 */
public record Judgement(
    Background background,
    int count,
    Shape shape,
    ObjectColor color,
    Pattern pattern,
    Set<Shape> shapes,
    Set<ObjectColor> colors,
    float[] feature,
    float[] shapeScores) {

  /** Cosine similarity of two judgements' features. */
  public double similarity(Judgement other) {
    double dot = 0;
    for (int i = 0; i < feature.length; i++) {
      dot += feature[i] * other.feature[i];
    }
    return dot;
  }

  /**
   * JSON with the scene JSON's attribute names: {@code background}, {@code count}, {@code objects}
   * (one {@code {shape, color, pattern}} when the judge sees a single object), {@code shapes},
   * {@code colors}, and {@code feature} when asked.
   */
  public JsonObject toJson(boolean withFeature) {
    JsonObject o = new JsonObject();
    o.addProperty("background", background.word());
    o.addProperty("count", count);
    if (count == 1) {
      JsonArray objects = new JsonArray();
      JsonObject obj = new JsonObject();
      obj.addProperty("shape", shape.word());
      obj.addProperty("color", color.word());
      obj.addProperty("pattern", pattern.word());
      objects.add(obj);
      o.add("objects", objects);
    }
    JsonArray s = new JsonArray();
    shapes.stream().sorted().forEach(x -> s.add(x.word()));
    o.add("shapes", s);
    JsonArray c = new JsonArray();
    colors.stream().sorted().forEach(x -> c.add(x.word()));
    o.add("colors", c);
    if (withFeature) {
      JsonArray f = new JsonArray();
      for (float v : feature) {
        f.add(v);
      }
      o.add("feature", f);
    }
    return o;
  }

  /** One human-readable line. */
  public String describe() {
    String objects = count == 1
        ? "1 object: " + (pattern == Pattern.PLAIN ? "" : pattern.word() + " ") + color.word() + " " + shape.word()
        : count + " objects";
    return background.word() + "; " + objects
        + "; shapes: " + shapes.stream().sorted().map(Shape::word).collect(Collectors.joining(" "))
        + "; colors: " + colors.stream().sorted().map(ObjectColor::word).collect(Collectors.joining(" "));
  }
}
