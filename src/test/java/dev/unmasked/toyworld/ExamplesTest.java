package dev.unmasked.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed examples are exactly what the renderer produces from their scene.json. */
class ExamplesTest {

  @Test
  void committedExamplesReRenderByteForByte() throws Exception {
    Path root = Path.of("examples", "toyworld");
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    }
    assertTrue(dirs.size() >= 4, "expected the four example scenes under " + root.toAbsolutePath());
    for (Path dir : dirs) {
      Scene scene = SceneJson.fromJson(Files.readString(dir.resolve(SceneFiles.JSON)));
      Rendering r = Renderer.render(scene, 1);
      assertArrayEquals(Files.readAllBytes(dir.resolve(SceneFiles.IMAGE)), SceneFiles.pngBytes(r.image()), dir.toString());
      assertArrayEquals(Files.readAllBytes(dir.resolve(SceneFiles.BACKGROUND_MASK)), SceneFiles.pngBytes(r.maskImage(0)));
      for (int i = 0; i < scene.objects().size(); i++) {
        assertArrayEquals(Files.readAllBytes(dir.resolve(SceneFiles.objectMask(i))),
            SceneFiles.pngBytes(r.maskImage(i + 1)), dir + " object " + (i + 1));
      }
    }
  }
}
