package dev.unmasked.eval;

import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.ObjectColor;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneFiles;
import dev.unmasked.toyworld.SceneObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One case of {@code eval concepts}: one or two toy-world scenes written as scene folders, and the
 * concepts a {@code learn} run should find in them, each tied to the ground-truth region it stands
 * for (so fidelity is scored against the right object even when the initializer words are the
 * same for two concepts).
 *
 * @param name names the case's run folders ({@code runs/<name>/<mode>})
 * @param kind the suite's category (two-objects, occlusion, spread, ...), or {@code scene-dir}
 */
public record EvalCase(String name, String kind, List<CaseImage> images, List<CaseConcept> concepts) {

  public EvalCase {
    images = List.copyOf(images);
    concepts = List.copyOf(concepts);
  }

  /**
   * A scene folder: the image (its stem names the image in the run), the folder with scene.json and
   * the masks, and the scene itself.
   */
  public record CaseImage(String stem, Path image, Path folder, Scene scene) {
    /** The mask file of object {@code j} (0-based, painter's order) or of the background (-1). */
    public Path mask(int j) {
      return folder.resolve(j < 0 ? SceneFiles.BACKGROUND_MASK : SceneFiles.objectMask(j));
    }
  }

  /** Where a concept appears: image {@code image}, object {@code object} (-1: the background). */
  public record Occurrence(int image, int object) {}

  /**
   * A concept to learn.
   *
   * @param token e.g. {@code <v1>}
   * @param init initializer words (descriptor words: color and shape; a background's word)
   * @param background whether it is the background of its image(s)
   * @param occurrences where it is, at least one
   */
  public record CaseConcept(String token, String init, boolean background, List<Occurrence> occurrences) {
    public CaseConcept {
      occurrences = List.copyOf(occurrences);
      if (occurrences.isEmpty()) {
        throw new IllegalArgumentException(token + " appears in no image");
      }
    }
  }

  /** The scene object a concept stands for (its first occurrence); null for a background concept. */
  public SceneObject object(CaseConcept c) {
    if (c.background()) {
      return null;
    }
    Occurrence o = c.occurrences().get(0);
    return images.get(o.image()).scene().objects().get(o.object());
  }

  /** The background class of a background concept (its first occurrence's image). */
  public Background backgroundOf(CaseConcept c) {
    return images.get(c.occurrences().get(0).image()).scene().background();
  }

  /** The backgrounds of the images a concept appears in. */
  public Set<Background> sceneBackgrounds(CaseConcept c) {
    Set<Background> out = new LinkedHashSet<>();
    for (Occurrence o : c.occurrences()) {
      out.add(images.get(o.image()).scene().background());
    }
    return out;
  }

  /**
   * Colors of the other objects in the images a concept appears in, except its own color: what a
   * concept's samples must not show (a leaked attribute).
   */
  public Set<ObjectColor> otherColors(CaseConcept c) {
    SceneObject own = object(c);
    Set<ObjectColor> out = new LinkedHashSet<>();
    for (Occurrence o : c.occurrences()) {
      List<SceneObject> objs = images.get(o.image()).scene().objects();
      for (int j = 0; j < objs.size(); j++) {
        if (j != o.object() && (own == null || objs.get(j).color() != own.color())) {
          out.add(objs.get(j).color());
        }
      }
    }
    return out;
  }

  public List<CaseConcept> objectConcepts() {
    List<CaseConcept> out = new ArrayList<>();
    for (CaseConcept c : concepts) {
      if (!c.background()) {
        out.add(c);
      }
    }
    return out;
  }

  public List<CaseConcept> backgroundConcepts() {
    List<CaseConcept> out = new ArrayList<>();
    for (CaseConcept c : concepts) {
      if (c.background()) {
        out.add(c);
      }
    }
    return out;
  }

  /** Whether every concept is in every image (no {@code --in} needed). */
  public boolean everywhere(CaseConcept c) {
    return c.occurrences().size() == images.size()
        && c.occurrences().stream().map(Occurrence::image).distinct().count() == images.size();
  }
}
