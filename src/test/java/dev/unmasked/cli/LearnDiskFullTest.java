package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.testutil.Golden;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A full disk while a run writes: the command stops with one clear error, the last checkpoint is
 * intact, and once there is space again --resume finishes the run. Needs a small tmpfs (root);
 * skipped, saying so, where it cannot be mounted.
 */
class LearnDiskFullTest {
  private Path mount;

  private static int exec(String... cmd) throws Exception {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start().waitFor();
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      exec("umount", "-l", mount.toString()); // lazy: memory-mapped checkpoints may still be open
      try {
        Files.deleteIfExists(mount);
      } catch (IOException stillBusy) {
        // an empty folder in the temp directory is all that is left
      }
    }
  }

  @Test
  void fullDiskKeepsTheLastCheckpointAndResumes() throws Exception {
    Path dir = Files.createTempDirectory("unmasked-diskfull");
    boolean mounted = exec("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir.toString()) == 0;
    Assumptions.assumeTrue(mounted, "skipped: cannot mount a 4 MB tmpfs here (needs root)");
    mount = dir;
    Path image = Path.of("examples/toyworld/two-interacting/image.png").toAbsolutePath();
    Path run = dir.resolve("run");
    List<String> args = List.of("learn", image.toString(), "--model", Golden.path("tiny-sd").toString(),
        "--concept", "<v1>=photo", "--steps", "8", "--estep-every", "100", "--estep-t", "2",
        "--attn-res", "8", "--batch", "1", "--checkpoint-every", "2");
    List<String> first = new java.util.ArrayList<>(args);
    first.addAll(List.of("--out", run.toString(), "--stop-after", "2"));
    GenerateCommandTest.Run a = GenerateCommandTest.run(first.toArray(new String[0]));
    assertEquals(3, a.code(), a.err());
    Path ckpt = run.resolve("checkpoint/state.safetensors");
    byte[] before = Files.readAllBytes(ckpt);
    Path filler = dir.resolve("filler");
    try (OutputStream o = Files.newOutputStream(filler)) {
      byte[] block = new byte[4096];
      while (true) {
        o.write(block);
      }
    } catch (IOException full) {
      // the disk is full now
    }
    List<String> again = new java.util.ArrayList<>(args);
    again.addAll(List.of("--resume", run.toString()));
    GenerateCommandTest.Run b = GenerateCommandTest.run(again.toArray(new String[0]));
    assertEquals(2, b.code(), b.err());
    String last = b.err().strip().lines().reduce((x, y) -> y).orElse("");
    assertTrue(last.startsWith("error: ") && last.contains("--resume"), b.err());
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(ckpt)), "checkpoint unchanged");
    try (SafetensorsFile f = SafetensorsFile.open(ckpt)) {
      assertEquals("2", f.metadata().get("step"));
    }
    Files.delete(filler);
    GenerateCommandTest.Run c = GenerateCommandTest.run(again.toArray(new String[0]));
    assertEquals(0, c.code(), c.err());
    assertTrue(Files.isRegularFile(run.resolve("learned_embeds.safetensors")));
  }
}
