package dev.unmasked.convert;

import dev.unmasked.io.Dtypes;
import dev.unmasked.io.SafetensorsException;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.TensorInfo;
import dev.unmasked.io.TensorSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One component (unet, vae, text_encoder) of a single-file checkpoint, seen under diffusers names.
 * Nothing is read up front: {@link #info} describes the stored bytes (a q/k/v third of an OpenCLIP
 * {@code in_proj} is a contiguous byte range of the file, so {@code begin}/{@code end} point into
 * the file's data section exactly as for a plain safetensors file), and {@link #floats} reads the
 * memory-mapped range when asked.
 *
 * <p>The file belongs to the {@link SingleFileCheckpoint}; closing this view does nothing.
 */
public final class MappedTensorSource implements TensorSource {

  private final SafetensorsFile file;
  private final String component;
  private final Map<String, MappedKey> keys;
  private final Map<String, TensorInfo> infos;

  /**
   * Binds {@code mapped} and checks every shape now, so a bad tensor fails at open time.
   *
   * @throws SingleFileException a key maps twice, or a transform does not fit the stored shape
   */
  MappedTensorSource(SafetensorsFile file, String component, Collection<MappedKey> mapped)
      throws SafetensorsException {
    this.file = file;
    this.component = component;
    Map<String, MappedKey> k = new TreeMap<>();
    Map<String, TensorInfo> i = new TreeMap<>();
    for (MappedKey m : mapped) {
      MappedKey before = k.put(m.diffusers(), m);
      if (before != null) {
        throw new SingleFileException(file.path(),
            component + " tensor '" + m.diffusers() + "' is given by two keys, '" + before.ldm()
                + "' and '" + m.ldm() + "'");
      }
      i.put(m.diffusers(), transformInfo(file, m));
    }
    this.keys = Collections.unmodifiableMap(k);
    this.infos = Collections.unmodifiableMap(i);
  }

  private static TensorInfo transformInfo(SafetensorsFile file, MappedKey m)
      throws SafetensorsException {
    TensorInfo s = file.info(m.ldm());
    long[] shape = s.shape();
    switch (m.transform()) {
      case IDENTITY -> {
        return new TensorInfo(m.diffusers(), s.dtype(), shape, s.begin(), s.end());
      }
      case SQUEEZE_1X1 -> {
        if (shape.length == 4 && shape[2] == 1 && shape[3] == 1) {
          return new TensorInfo(
              m.diffusers(), s.dtype(), new long[] {shape[0], shape[1]}, s.begin(), s.end());
        }
        if (shape.length == 2) { // already stored as a linear weight by some converters
          return new TensorInfo(m.diffusers(), s.dtype(), shape, s.begin(), s.end());
        }
        throw new SingleFileException(file.path(),
            "'" + m.ldm() + "' has shape " + s.shapeString()
                + "; expected a 1x1 convolution [C, C, 1, 1] (or [C, C])");
      }
      default -> {
        if (shape.length == 0 || shape[0] % 3 != 0) {
          throw new SingleFileException(file.path(),
              "'" + m.ldm() + "' has shape " + s.shapeString()
                  + "; a fused q/k/v projection needs a first dimension divisible by 3");
        }
        long[] part = shape.clone();
        part[0] = shape[0] / 3;
        long bytes = s.byteLength() / 3;
        long begin = s.begin() + m.transform().third() * bytes;
        return new TensorInfo(m.diffusers(), s.dtype(), part, begin, begin + bytes);
      }
    }
  }

  /** Which component this is: unet, vae or text_encoder. */
  public String component() {
    return component;
  }

  /** The single-file key and transform behind each diffusers name, sorted by diffusers name. */
  public Map<String, MappedKey> mapping() {
    return keys;
  }

  @Override
  public Set<String> keys() {
    return infos.keySet();
  }

  @Override
  public TensorInfo info(String key) throws SafetensorsException {
    TensorInfo t = infos.get(key);
    if (t == null) {
      throw new SafetensorsException(file.path(),
          "the " + component + " has no tensor named '" + key + "' (diffusers name)");
    }
    return t;
  }

  /** A little-endian read-only view of the tensor's stored bytes (memory-mapped, not copied). */
  public ByteBuffer bytes(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    MappedKey m = keys.get(key);
    ByteBuffer whole = file.bytes(m.ldm());
    if (m.transform().third() < 0) {
      return whole;
    }
    int offset = (int) (t.begin() - file.info(m.ldm()).begin());
    return whole.slice(offset, (int) t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public float[] floats(String key) throws SafetensorsException {
    TensorInfo t = info(key);
    return Dtypes.toFloats(bytes(key), t.dtype(), (int) t.numel());
  }

  @Override
  public String describe() {
    return file.path() + " (" + component + ", LDM names mapped to diffusers names)";
  }

  @Override
  public void close() {
    // the checkpoint owns the file
  }

  @Override
  public String toString() {
    return describe() + ": " + infos.size() + " tensors, e.g. "
        + (infos.isEmpty() ? "-" : infos.keySet().iterator().next() + " "
            + Arrays.toString(infos.values().iterator().next().shape()));
  }
}
