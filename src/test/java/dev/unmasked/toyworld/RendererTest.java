package dev.unmasked.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RendererTest {

  @Test
  void sameSeedGivesIdenticalFiles(@TempDir Path tmp) throws Exception {
    for (long seed : new long[] {0, 7, 123456789}) {
      Scene a = SceneSampler.sample(seed, SceneOptions.training());
      Scene b = SceneSampler.sample(seed, SceneOptions.training());
      assertEquals(a, b);
      SceneFiles.write(a, tmp.resolve("a" + seed), 4);
      SceneFiles.write(b, tmp.resolve("b" + seed), 4);
      List<Path> files;
      try (Stream<Path> s = Files.list(tmp.resolve("a" + seed))) {
        files = s.map(Path::getFileName).sorted().toList();
      }
      assertEquals(4 + a.objects().size(), files.size(), files.toString());
      for (Path f : files) {
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a" + seed).resolve(f)),
            Files.readAllBytes(tmp.resolve("b" + seed).resolve(f)), "seed " + seed + " file " + f);
      }
    }
    assertNotEquals(SceneSampler.sample(1, SceneOptions.training()), SceneSampler.sample(2, SceneOptions.training()));
  }

  @Test
  void masksMatchThePixelsTheyClaim() {
    for (int scale : new int[] {1, 4}) {
      for (long seed = 0; seed < (scale == 1 ? 300 : 10); seed++) {
        Scene scene = SceneSampler.sample(seed, SceneOptions.training().withHeldOut(SceneOptions.HeldOutPolicy.INCLUDE));
        Rendering r = Renderer.render(scene, scale);
        int[] bg = Renderer.backgroundOnly(scene, scale);
        int n = scene.objects().size();
        boolean[][] masks = new boolean[n + 1][];
        for (int l = 0; l <= n; l++) {
          masks[l] = r.mask(l);
        }
        for (int i = 0; i < r.labels().length; i++) {
          int owners = 0;
          for (int l = 0; l <= n; l++) {
            owners += masks[l][i] ? 1 : 0;
          }
          assertEquals(1, owners, "masks must be disjoint and cover the image: seed " + seed + " pixel " + i);
          if (masks[0][i]) {
            assertEquals(bg[i], r.rgb()[i], "background pixel shows the background: seed " + seed);
          } else {
            SceneObject o = scene.objects().get(r.labels()[i] - 1);
            int p = r.rgb()[i];
            assertTrue(p == o.rgb() || (o.pattern() != Pattern.PLAIN && p == o.patternRgb()),
                "object pixel has the object's fill or pattern color: seed " + seed);
          }
        }
        for (int l = 1; l <= n; l++) {
          assertTrue(r.area(l) > 0, "every object is visible: seed " + seed);
        }
      }
    }
  }

  @Test
  void occlusionIsLimitedAndObjectsStayOnCanvas() {
    SceneOptions opts = SceneOptions.training().withObjects(3, 3);
    for (long seed = 0; seed < 100; seed++) {
      Scene scene = SceneSampler.sample(seed, opts);
      Rendering r = Renderer.render(scene, 1);
      for (int i = 0; i < 3; i++) {
        SceneObject o = scene.objects().get(i);
        int full = Renderer.fullArea(o);
        assertTrue(r.area(i + 1) >= opts.minVisible() * full, "seed " + seed + " object " + i);
        assertTrue(o.x() - o.size() / 2 >= 1 - 1e-9 && o.x() + o.size() / 2 <= Scene.CANVAS - 1 + 1e-9);
        assertTrue(o.size() >= opts.minSize() * 0.5 && o.size() <= opts.maxSize());
      }
    }
  }

  @Test
  void everyShapeFitsTheUnitDiskAndHasArea() {
    for (Shape s : Shape.values()) {
      int inside = 0;
      for (double y = -1.2; y <= 1.2; y += 0.01) {
        for (double x = -1.2; x <= 1.2; x += 0.01) {
          if (s.contains(x, y)) {
            inside++;
            assertTrue(x * x + y * y <= 1.0 + 1e-9, s + " reaches outside the unit disk at " + x + "," + y);
          }
        }
      }
      assertTrue(inside > 0.25 * Math.PI * 10000, s + " covers too little of the unit disk: " + inside);
    }
  }

  @Test
  void chwIsInMinusOneToOne() {
    float[] x = Renderer.render(SceneSampler.sample(3, SceneOptions.training()), 1).chw();
    assertEquals(3 * 64 * 64, x.length);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertTrue(min >= -1f && max <= 1f && max > min);
  }
}
