package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.testutil.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prior preservation: class images generated once into the run, reused on resume, a loss term. */
class LearnPriorTest {
  @TempDir Path tmp;

  @Test
  void priorImagesAreGeneratedOnceAndTrained() throws Exception {
    Path image = Path.of("examples/toyworld/two-interacting/image.png").toAbsolutePath();
    Path run = tmp.resolve("run");
    List<String> args = new ArrayList<>(List.of("learn", image.toString(), "--model",
        Golden.path("tiny-sd").toString(), "--concept", "<v1>=photo", "--attn-res", "8", "--steps", "4",
        "--estep-every", "100", "--estep-t", "2", "--batch", "1", "--checkpoint-every", "2",
        "--prior-preservation", "--prior-images", "2", "--prior-prompt", "a photo of a horse"));
    List<String> first = new ArrayList<>(args);
    first.addAll(List.of("--out", run.toString(), "--stop-after", "2"));
    GenerateCommandTest.Run a = GenerateCommandTest.run(first.toArray(new String[0]));
    assertEquals(3, a.code(), a.err());
    assertTrue(a.err().contains("(2 generated now)"), a.err());
    assertTrue(Files.isRegularFile(run.resolve("prior/000.png")));
    List<String> again = new ArrayList<>(args);
    again.addAll(List.of("--resume", run.toString()));
    GenerateCommandTest.Run b = GenerateCommandTest.run(again.toArray(new String[0]));
    assertEquals(0, b.code(), b.err());
    assertTrue(b.err().contains("(0 generated now)"), "reused on resume: " + b.err());
    List<String> loss = Files.readAllLines(run.resolve("loss.csv"));
    assertEquals("step,phase,loss,rec,attn,lr,seconds,prior", loss.get(0));
    String[] last = loss.get(loss.size() - 1).split(",", -1);
    assertTrue(Double.parseDouble(last[7]) > 0, "prior loss logged: " + loss.get(loss.size() - 1));
  }
}
