package dev.unmasked.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The test JVM runs with the same preloaded native libraries as the launcher gives users
 * (src/main/native/preload.sh; docs/KNOWN_ISSUES.md): pom.xml passes them to Surefire. Where the
 * script selects none (no C compiler, not Linux), there is nothing to check.
 */
class NativePreloadTest {

  @Test
  void testJvmHasTheLaunchersPreloads() throws IOException, InterruptedException {
    Path maps = Path.of("/proc/self/maps");
    Path script = Path.of("src/main/native/preload.sh");
    assumeTrue(Files.isReadable(maps) && Files.isRegularFile(script), "Linux only");
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().remove("LD_PRELOAD"); // what the launcher adds, without what we already have
    Process p;
    try {
      p = pb.start();
    } catch (IOException noBash) {
      assumeTrue(false, "no bash");
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    List<String> expected = new ArrayList<>();
    for (String lib : out.split(":")) if (!lib.isBlank()) expected.add(lib);
    assumeTrue(!expected.isEmpty(), "no preload applies here");

    try (NDManager m = NDManager.newBaseManager()) { // load libtorch, then look at what is mapped
      NDArray a = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
      assertArrayEquals(new float[] {7, 10, 15, 22}, a.matMul(a).toFloatArray());
    }
    String mapped = Files.readString(maps);
    for (String lib : expected) {
      assertTrue(mapped.contains(Path.of(lib).getFileName().toString()), lib + " is not loaded in "
          + "the test JVM (LD_PRELOAD=" + System.getenv("LD_PRELOAD") + "); see pom.xml");
    }
  }
}
