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
}
