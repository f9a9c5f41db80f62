package dev.unmasked.io;

import java.nio.file.Path;

/** A safetensors file could not be read or written; the message names the file and the problem. */
public class SafetensorsException extends java.io.IOException {
  public SafetensorsException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public SafetensorsException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }

  /** For sources that are not one file (a shard index, tensors in memory): {@code where} names it. */
  public SafetensorsException(String where, String problem) {
    super(where + ": " + problem);
  }
}
