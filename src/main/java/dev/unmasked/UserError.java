package dev.unmasked;

/**
 * A problem with the user's input (file, argument, value) that the user can fix. The message must
 * name what was wrong and what to do; the CLI prints it without a stack trace and exits with 2.
 */
public class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
