package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.unmasked.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationDefaultsTest {
  @TempDir Path tmp;

  @Test
  void builtInWithoutTheFileAndTheFileWhenPresent() throws Exception {
    assertEquals(new GenerationDefaults(25, 4.0, null), GenerationDefaults.read(tmp));
    Files.writeString(tmp.resolve(GenerationDefaults.FILE), "{\"steps\": 30, \"scheduler\": \"euler\"}");
    assertEquals(new GenerationDefaults(30, 4.0, "euler"), GenerationDefaults.read(tmp));
    Files.writeString(tmp.resolve(GenerationDefaults.FILE), "{\"steps\": 0}");
    assertThrows(UserError.class, () -> GenerationDefaults.read(tmp));
    Files.writeString(tmp.resolve(GenerationDefaults.FILE), "[1, 2]");
    assertThrows(UserError.class, () -> GenerationDefaults.read(tmp));
  }
}
