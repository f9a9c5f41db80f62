package dev.unmasked.model;

/**
 * A model could not be loaded from its files: a missing folder, config or weight file, a missing,
 * unused or mis-shaped tensor, or a format this project does not read. The message names the file or
 * key and says what to do; a command line prints it as is.
 */
public class WeightLoadException extends RuntimeException {
  public WeightLoadException(String message) {
    super(message);
  }

  public WeightLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
