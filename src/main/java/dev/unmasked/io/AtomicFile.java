package dev.unmasked.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old content or the complete new one: the content
 * goes to a temporary file in the same folder ({@code .<name>.<pid>-<n>.tmp}), is forced to disk,
 * and is then renamed over the target with {@code ATOMIC_MOVE}. If anything fails, the temporary
 * file is deleted and an existing target is untouched.
 *
 * <p>The temporary file is created with {@code CREATE_NEW} (not {@code Files.createTempFile}), so
 * the result gets the usual permissions under the user's umask rather than owner-only ones.
 */
public final class AtomicFile {
  private AtomicFile() {}

  /** Fills the channel of the temporary file. */
  @FunctionalInterface
  public interface Writer {
    void write(FileChannel channel) throws IOException;
  }

  /** Writes {@code target} atomically with exactly {@code content}. */
  public static void write(Path target, byte[] content) throws IOException {
    write(
        target,
        ch -> {
          ByteBuffer b = ByteBuffer.wrap(content);
          while (b.hasRemaining()) {
            ch.write(b);
          }
        });
  }

  /** Writes {@code target} atomically with the content {@code writer} produces. */
  public static void write(Path target, Writer writer) throws IOException {
    Path abs = target.toAbsolutePath();
    Path tmp = null;
    try {
      FileChannel ch = null;
      for (int attempt = 0; ch == null; attempt++) {
        tmp =
            abs.resolveSibling(
                "." + abs.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(System.nanoTime() + attempt) + ".tmp");
        try {
          ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          tmp = null;
          if (attempt >= 100) {
            throw e;
          }
        }
      }
      try (FileChannel c = ch) {
        writer.write(c);
        c.force(true);
      }
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the original error matters more than a leftover temporary file
        }
      }
    }
  }
}
