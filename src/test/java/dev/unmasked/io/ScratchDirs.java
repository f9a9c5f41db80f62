package dev.unmasked.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary folders in memory ({@code /dev/shm}) when the machine has one: the fuzz tests rewrite a
 * small file thousands of times, which on a disk mounted with online discard costs milliseconds
 * each. Falls back to the default temporary folder.
 */
public final class ScratchDirs implements TempDirFactory {
  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context)
      throws IOException {
    Path shm = Paths.get("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return Files.createTempDirectory(shm, "unmasked-test-");
    }
    return Files.createTempDirectory("unmasked-test-");
  }
}
