package dev.unmasked.convert;

import dev.unmasked.io.SafetensorsException;
import java.nio.file.Path;

/**
 * A single-file checkpoint that cannot be loaded as asked: unknown naming, an unsupported model
 * family, keys the tables do not cover, or configs that disagree with the weights. The message names
 * the file, what was looked for or found, and what to do.
 */
public class SingleFileException extends SafetensorsException {
  public SingleFileException(Path file, String problem) {
    super(file, problem);
  }
}
