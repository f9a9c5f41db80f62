package dev.unmasked.eval;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.unmasked.UserError;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneFiles;
import dev.unmasked.toyworld.SceneJson;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.SceneSampler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cases of an evaluation, with their scene folders on disk: the default suite ({@link
 * SuiteCases}) rendered into {@code DIR/scenes/<stem>/}, or folders that {@code world render} wrote.
 *
 * <p>A suite scene folder is what {@link SceneFiles#write} writes, with one change: the image is
 * named after its case ({@code <case>.png}, {@code <case>-a.png} and {@code -b.png} for two images;
 * scene.json's "image" says so), because a run names an image's folders by the file's stem and two
 * images called image.png would clash.
 */
public final class EvalSuite {
  private EvalSuite() {}

  /** Renders the definitions' scenes into {@code scenesDir} (same seeds, same bytes) and returns the cases. */
  public static List<EvalCase> write(List<SuiteCases.CaseDef> defs, Path scenesDir) throws IOException {
    List<EvalCase> out = new ArrayList<>();
    for (SuiteCases.CaseDef d : defs) {
      List<EvalCase.CaseImage> images = new ArrayList<>();
      for (int n = 0; n < d.images().size(); n++) {
        SuiteCases.ImageDef im = d.images().get(n);
        Scene scene = SceneSampler.sample(im.seed(), im.options(), im.spec());
        String stem = d.images().size() == 1 ? d.name() : d.name() + "-" + (char) ('a' + n);
        Path folder = scenesDir.resolve(stem).toAbsolutePath().normalize();
        images.add(new EvalCase.CaseImage(stem, writeNamed(scene, folder, stem + ".png"), folder, scene));
      }
      List<EvalCase.CaseConcept> concepts = new ArrayList<>();
      if (d.concepts() == null) {
        for (int j = 0; j < images.get(0).scene().objects().size(); j++) {
          concepts.add(concept(images, concepts.size(), new SuiteCases.ConceptDef(
              List.<int[]>of(new int[] {0, j}), null)));
        }
      } else {
        List<SuiteCases.ConceptDef> sorted = new ArrayList<>();
        d.concepts().stream().filter(c -> c.where().get(0)[1] >= 0).forEach(sorted::add);
        d.concepts().stream().filter(c -> c.where().get(0)[1] < 0).forEach(sorted::add);
        for (SuiteCases.ConceptDef c : sorted) {
          concepts.add(concept(images, concepts.size(), c));
        }
      }
      out.add(new EvalCase(d.name(), d.kind(), images, concepts));
    }
    return out;
  }

  /** Tokens {@code <v1>..}, objects first; descriptor words (color + shape) unless the definition names others. */
  private static EvalCase.CaseConcept concept(List<EvalCase.CaseImage> images, int index,
      SuiteCases.ConceptDef c) {
    List<EvalCase.Occurrence> occ = new ArrayList<>();
    for (int[] w : c.where()) {
      occ.add(new EvalCase.Occurrence(w[0], w[1]));
    }
    boolean bg = c.where().get(0)[1] < 0;
    Scene first = images.get(c.where().get(0)[0]).scene();
    String init = c.init() != null ? c.init()
        : bg ? first.background().word() : descriptor(first.objects().get(c.where().get(0)[1]));
    return new EvalCase.CaseConcept("<v" + (index + 1) + ">", init, bg, occ);
  }

  /** Color and shape words: the initialisation TOYWORLD.md found best. */
  static String descriptor(SceneObject o) {
    return o.color().word() + " " + o.shape().word();
  }

  /** {@link SceneFiles#write}, then the image renamed to {@code imageName}. */
  static Path writeNamed(Scene scene, Path folder, String imageName) throws IOException {
    SceneFiles.write(scene, folder, 0);
    Path image = folder.resolve(imageName);
    Files.move(folder.resolve(SceneFiles.IMAGE), image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path json = folder.resolve(SceneFiles.JSON);
    JsonObject o = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8)).getAsJsonObject();
    o.addProperty("image", imageName);
    SceneFiles.writeAtomically(json, (SceneJson.pretty(o) + "\n").getBytes(StandardCharsets.UTF_8));
    return image;
  }

  /**
   * Scene folders written by {@code world render}: {@code dir} itself when it holds a scene.json,
   * else each sub-folder that does (sorted by name). One case per folder, one concept per object
   * (descriptor words), plus the background as a concept when {@code backgroundConcept}.
   */
  public static List<EvalCase> fromSceneDir(Path dir, boolean backgroundConcept) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new UserError("--scene-dir " + dir + ": no such folder");
    }
    List<Path> folders = new ArrayList<>();
    if (Files.isRegularFile(dir.resolve(SceneFiles.JSON))) {
      folders.add(dir);
    } else {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(p -> Files.isRegularFile(p.resolve(SceneFiles.JSON))).sorted().forEach(folders::add);
      }
    }
    if (folders.isEmpty()) {
      throw new UserError("--scene-dir " + dir + ": no scene.json there or in its sub-folders "
          + "(write scenes with 'unmasked world render --seed S --count N --out " + dir + "')");
    }
    List<EvalCase> out = new ArrayList<>();
    for (Path f : folders) {
      Path folder = f.toAbsolutePath().normalize();
      Path json = folder.resolve(SceneFiles.JSON);
      Scene scene;
      String imageName;
      try {
        String text = Files.readString(json, StandardCharsets.UTF_8);
        scene = SceneJson.fromJson(text);
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        imageName = o.has("image") ? o.get("image").getAsString() : SceneFiles.IMAGE;
      } catch (RuntimeException e) {
        throw new UserError(json + ": not a toy-world scene (" + e.getMessage() + ")", e);
      }
      Path image = folder.resolve(imageName);
      for (int j = -1; j < scene.objects().size(); j++) {
        Path m = folder.resolve(j < 0 ? SceneFiles.BACKGROUND_MASK : SceneFiles.objectMask(j));
        if (!Files.isRegularFile(m) || (j < 0 && !Files.isRegularFile(image))) {
          throw new UserError(folder + ": " + (Files.isRegularFile(image) ? m : image)
              + " is missing (a folder of 'world render' has the image, scene.json and every mask)");
        }
      }
      String stem = imageName.contains(".") ? imageName.substring(0, imageName.lastIndexOf('.')) : imageName;
      List<EvalCase.CaseImage> images = List.of(new EvalCase.CaseImage(stem, image, folder, scene));
      List<EvalCase.CaseConcept> concepts = new ArrayList<>();
      for (int j = 0; j < scene.objects().size(); j++) {
        concepts.add(new EvalCase.CaseConcept("<v" + (j + 1) + ">", descriptor(scene.objects().get(j)),
            false, List.of(new EvalCase.Occurrence(0, j))));
      }
      if (backgroundConcept) {
        concepts.add(new EvalCase.CaseConcept("<v" + (concepts.size() + 1) + ">",
            scene.background().word(), true, List.of(new EvalCase.Occurrence(0, -1))));
      }
      out.add(new EvalCase(folder.getFileName().toString(), "scene-dir", images, concepts));
    }
    return out;
  }
}
