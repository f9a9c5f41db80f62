package dev.unmasked.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Copies of fixture folders for tests that write into them. */
public final class TestTrees {
  private TestTrees() {}

  public static void copy(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
  }
}
