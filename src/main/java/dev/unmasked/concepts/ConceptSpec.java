package dev.unmasked.concepts;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One concept to learn: a new placeholder token, the words its embedding starts from (their mean),
 * the images it appears in, whether it is the background of those images, and optional user masks
 * per image (for {@code --mode user}).
 *
 * @param token e.g. {@code <v1>}
 * @param initWords initializer text (e.g. {@code red star}), or null to start from a rare token
 * @param images stems of the images it appears in (all images when null)
 * @param background whether it is the scene/background of its images
 * @param userMasks image stem -> mask file
 */
public record ConceptSpec(String token, String initWords, List<String> images, boolean background,
    Map<String, Path> userMasks) {

  /** The token without angle brackets (names files: {@code v1.png}). */
  public String fileName() {
    String t = token;
    if (t.startsWith("<") && t.endsWith(">") && t.length() > 2) {
      t = t.substring(1, t.length() - 1);
    }
    return t.replaceAll("[^A-Za-z0-9_.-]", "_");
  }
}
