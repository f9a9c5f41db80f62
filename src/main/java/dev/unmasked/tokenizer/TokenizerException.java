package dev.unmasked.tokenizer;

/**
 * A tokenizer folder or file could not be read: missing, unreadable or malformed. The message
 * names the file and the problem.
 */
public class TokenizerException extends java.io.IOException {
  public TokenizerException(String file, String problem) {
    super(file + ": " + problem);
  }

  public TokenizerException(String file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
