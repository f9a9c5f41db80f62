package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** learn in a child JVM of this classpath: the command, its log and its exit status. */
class ChildProcessLauncherTest {
  @TempDir Path tmp;

  @Test
  void theChildRunsLearnOfThisClasspathWithItsThreads() {
    ChildProcessLauncher l = new ChildProcessLauncher(2, 1);
    assertEquals(2, l.parallelism());
    List<String> c = l.command(List.of("a.png", "--out", "run"));
    assertTrue(c.get(0).endsWith("java"), c.get(0));
    assertTrue(c.contains("-Dai.djl.pytorch.num_threads=1"), c.toString());
    assertEquals(1, c.stream().filter(a -> a.startsWith("-Dai.djl.pytorch.num_threads=")).count());
    int cp = c.indexOf("-cp");
    assertEquals(System.getProperty("java.class.path"), c.get(cp + 1));
    assertEquals(List.of(ChildProcessLauncher.MAIN, "learn", "a.png", "--out", "run"),
        c.subList(cp + 2, c.size()));
  }

  @Test
  void aFailingChildReportsItsErrorLine() throws Exception {
    Path log = tmp.resolve("run/learn.log");
    // no --concept: learn refuses before it loads a model, so the child is quick
    LearnLauncher.Outcome o = new ChildProcessLauncher(1, 1).launch(
        List.of(tmp.resolve("x.png").toString(), "--out", tmp.resolve("run").toString()), log);
    assertEquals(2, o.code(), Files.readString(log));
    assertTrue(o.error().contains("error: give at least one --concept"), o.error());
    assertTrue(Files.readString(log).startsWith("$ "), "the command heads the log");
    assertTrue(o.seconds() > 0);
  }
}
