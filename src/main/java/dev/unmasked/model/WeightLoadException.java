package dev.unmasked.model;

/** Weights do not fit the model their config describes; the message names the key and shapes. */
public class WeightLoadException extends RuntimeException {
  public WeightLoadException(String message) {
    super(message);
  }

  public WeightLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
