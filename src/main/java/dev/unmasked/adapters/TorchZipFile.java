package dev.unmasked.adapters;

import dev.unmasked.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a {@code torch.save} file in PyTorch's zip format (PyTorch 1.6 and later): the entries
 * {@code <archive>/data.pkl} (the pickle), {@code <archive>/data/<key>} (raw little-endian storage
 * bytes) and {@code <archive>/version}. The pickle is run by {@link RestrictedUnpickler}, so only
 * dicts, plain values and float32 tensors come out. The legacy pre-1.6 format is refused.
 */
final class TorchZipFile {
  /** Pickles and storages larger than this are refused rather than read (embeddings are tiny). */
  static final long MAX_ENTRY_BYTES = 1L << 30;

  private TorchZipFile() {}

  /** The unpickled top-level object of {@code file}. */
  static Object load(Path file) {
    byte[] magic = new byte[4];
    try (InputStream s = Files.newInputStream(file)) {
      if (s.readNBytes(magic, 0, 4) < 4 || magic[0] != 'P' || magic[1] != 'K') {
        throw new UserError(file + ": not a PyTorch zip file (torch.save of PyTorch 1.6 or "
            + "later); the legacy format is not supported: re-save it with a current PyTorch, "
            + "or as .safetensors");
      }
    } catch (IOException e) {
      throw new UserError(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String prefix = archivePrefix(file, zip);
      ZipEntry order = zip.getEntry(prefix + "byteorder");
      if (order != null) {
        String o = new String(read(file, zip, order), StandardCharsets.US_ASCII).trim();
        if (!o.equals("little")) {
          throw new UserError(file + ": storages are stored in '" + o + "' byte order; only "
              + "little-endian files are supported");
        }
      }
      byte[] pickle = read(file, zip, zip.getEntry(prefix + "data.pkl"));
      return RestrictedUnpickler.load(pickle, file.toString(),
          (key, numel) -> storage(file, zip, prefix, key, numel));
    } catch (IOException e) {
      throw new UserError(file + ": not a readable zip file (" + e.getMessage() + ")", e);
    }
  }

  /** The folder in the zip that holds {@code data.pkl}: {@code "<archive>/"}. */
  private static String archivePrefix(Path file, ZipFile zip) {
    List<String> found = new ArrayList<>();
    for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
      String name = e.nextElement().getName();
      if (name.equals("data.pkl") || (name.endsWith("/data.pkl")
          && name.indexOf('/') == name.length() - "/data.pkl".length())) {
        found.add(name);
      }
    }
    if (found.size() != 1) {
      throw new UserError(file + ": expected one '<name>/data.pkl' entry in the zip, found "
          + found + "; not a torch.save file");
    }
    String pkl = found.get(0);
    return pkl.substring(0, pkl.length() - "data.pkl".length());
  }

  private static float[] storage(Path file, ZipFile zip, String prefix, String key, long numel) {
    if (!key.matches("[A-Za-z0-9_]+")) {
      throw new UserError(file + ": storage key '" + key + "' is not a plain name");
    }
    ZipEntry e = zip.getEntry(prefix + "data/" + key);
    if (e == null) {
      throw new UserError(file + ": the pickle refers to storage '" + key + "' but the zip has no "
          + "entry " + prefix + "data/" + key);
    }
    try {
      byte[] b = read(file, zip, e);
      if (numel > MAX_ENTRY_BYTES / 4 || b.length != numel * 4) {
        throw new UserError(file + ": storage '" + key + "' holds " + b.length + " bytes but "
            + numel + " float32 elements (" + numel * 4 + " bytes) were declared");
      }
      float[] f = new float[(int) numel];
      ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
      return f;
    } catch (IOException ex) {
      throw new UserError(file + ": cannot read storage '" + key + "' (" + ex.getMessage() + ")",
          ex);
    }
  }

  private static byte[] read(Path file, ZipFile zip, ZipEntry e) throws IOException {
    if (e == null) {
      throw new UserError(file + ": zip entry missing");
    }
    if (e.getSize() > MAX_ENTRY_BYTES) {
      throw new UserError(file + ": zip entry " + e.getName() + " is " + e.getSize()
          + " bytes; too large for an embedding");
    }
    try (InputStream s = zip.getInputStream(e)) {
      byte[] b = s.readNBytes((int) MAX_ENTRY_BYTES + 1);
      if (b.length > MAX_ENTRY_BYTES) {
        throw new UserError(file + ": zip entry " + e.getName() + " is too large");
      }
      return b;
    }
  }
}
