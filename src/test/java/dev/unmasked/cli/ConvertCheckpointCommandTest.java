package dev.unmasked.cli;

import dev.unmasked.UserError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConvertCheckpointCommandTest {

  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private static Path fixture(String name) {
    Path p = Path.of(System.getProperty("unmasked.shared", "../shared"), "golden", "interop", name);
    assumeTrue(Files.isRegularFile(p), "interop fixture " + p + " is absent; skipping");
    return p;
  }

  @Test
  void describesAFileAndWritesAFolder() {
    Path pipe = tmp.resolve("pipe");
    int rc = run("convert-checkpoint", fixture("tiny-sd2-single.safetensors").toString(),
        "--config-dir", "src/test/resources/golden/tiny-sd2", "-o", pipe.toString());
    assertEquals(0, rc, err.toString());
    assertTrue(out.toString().contains("Stable Diffusion 2.x"), out.toString());
    assertTrue(out.toString().contains("unet 208 tensors, vae 124, text_encoder 84, ignored 0"), out.toString());
    assertTrue(Files.isRegularFile(pipe.resolve("text_encoder/model.safetensors")));
  }

  @Test
  void aFolderNeedsAKind() {
    int rc = run("convert-checkpoint", "src/test/resources/golden/tiny-sd", "-o", tmp.resolve("x.safetensors").toString());
    assertEquals(2, rc);
    assertTrue(err.toString().contains("--kind SD1|SD2"), err.toString());
  }

  @Test
  void configsThatDoNotFitAreAUserError() {
    int rc = run("convert-checkpoint", fixture("tiny-sd-single.safetensors").toString());
    assertEquals(2, rc);
    assertTrue(err.toString().contains("text_encoder hidden_size is 768"), err.toString());
  }

  @Test
  void folderToFileWrites() {
    Path file = tmp.resolve("tiny.safetensors");
    int rc = run("convert-checkpoint", "src/test/resources/golden/tiny-sd", "--kind", "SD1", "-o", file.toString());
    assertEquals(0, rc, err.toString());
    assertTrue(Files.isRegularFile(file));
  }
}
