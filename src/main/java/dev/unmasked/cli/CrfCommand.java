package dev.unmasked.cli;

import dev.unmasked.UserError;
import dev.unmasked.crf.DenseCrf;
import dev.unmasked.io.AtomicFile;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.SafetensorsWriter;
import dev.unmasked.io.TensorInfo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code unmasked crf}: sharpens a coarse probability (or energy) map into labels with the dense
 * CRF ({@link DenseCrf}), exactly as pydensecrf's {@code DenseCRF2D} with a Gaussian and a
 * bilateral Potts kernel. Input and output maps are safetensors {@code [labels, H, W]}.
 */
@Command(
    name = "crf",
    mixinStandardHelpOptions = true,
    description = {
      "Sharpen a probability map into labels with a fully connected CRF",
      "(Krähenbühl & Koltun; the same numbers as pydensecrf).",
      "Input: an RGB image and a safetensors file with one float tensor",
      "[labels, H, W] of probabilities (--probs) or energies -log p (--unary).",
      "Output: safetensors with q F32 [labels, H, W] and labels [H, W]",
      "(U8; I64 above 256 labels). --png also writes a colour-coded label image."
    })
public final class CrfCommand implements Callable<Integer> {

  @Option(names = "--image", required = true, paramLabel = "IMG",
      description = "RGB image (PNG, JPEG, anything ImageIO reads); alpha is ignored.")
  Path image;

  static final class Input {
    @Option(names = "--probs", paramLabel = "FILE",
        description = "Probabilities [labels,H,W]; clipped to [1e-5, 1], then -log (as "
            + "pydensecrf unary_from_softmax). Need not sum to 1.")
    Path probs;

    @Option(names = "--unary", paramLabel = "FILE",
        description = "Energies [labels,H,W] (-log p), used as they are.")
    Path unary;
  }

  @ArgGroup(multiplicity = "1")
  Input input;

  @Option(names = "--tensor", paramLabel = "NAME",
      description = "Tensor to read when the input file holds several.")
  String tensor;

  @Option(names = "--out", required = true, paramLabel = "FILE",
      description = "Output safetensors (q and labels).")
  Path out;

  @Option(names = "--png", paramLabel = "LABELS.png", description = "Also write a label image.")
  Path png;

  @Option(names = "--iterations", defaultValue = "5", paramLabel = "N", description = "Mean-field iterations"
      + " (default ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--gaussian-sxy", defaultValue = "3", paramLabel = "PX", description = "Smoothness kernel width"
      + " in pixels (default ${DEFAULT-VALUE}).")
  float gaussianSxy;

  @Option(names = "--gaussian-compat", defaultValue = "3", paramLabel = "W", description = "Smoothness Potts"
      + " weight (default ${DEFAULT-VALUE}).")
  float gaussianCompat;

  @Option(names = "--bilateral-sxy", defaultValue = "80", paramLabel = "PX", description = "Appearance kernel"
      + " width in pixels (default ${DEFAULT-VALUE}).")
  float bilateralSxy;

  @Option(names = {"--bilateral-srgb", "--srgb"}, defaultValue = "13", paramLabel = "LEVELS", description =
      "Appearance kernel colour width, 0..255 units (default ${DEFAULT-VALUE}).")
  float bilateralSrgb;

  @Option(names = "--bilateral-compat", defaultValue = "10", paramLabel = "W", description = "Appearance Potts"
      + " weight (default ${DEFAULT-VALUE}).")
  float bilateralCompat;

  @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all"
      + " cores). The output is identical for every N.")
  Integer threads;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    // 1. Check the arguments and read the inputs.
    DenseCrf.Params params;
    try {
      params = new DenseCrf.Params(gaussianSxy, gaussianCompat, bilateralSxy, bilateralSrgb,
          bilateralCompat, iterations);
    } catch (IllegalArgumentException e) {
      throw new UserError("bad CRF parameter: " + e.getMessage());
    }
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (nThreads < 1) {
      throw new UserError("--threads must be at least 1, got " + nThreads);
    }
    BufferedImage img = readImage(image);
    int w = img.getWidth();
    int h = img.getHeight();
    Path mapFile = input.probs != null ? input.probs : input.unary;
    String flag = input.probs != null ? "--probs" : "--unary";
    ProbMap map = readMap(mapFile, flag, w, h);

    // 2. Energies, 3. inference.
    DenseCrf.Result r;
    try {
      float[] unary = input.probs != null
          ? DenseCrf.unaryFromProbabilities(map.values, map.labels, w * h)
          : map.values;
      int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
      r = DenseCrf.infer(DenseCrf.rgbFromArgb(argb), w, h, unary, map.labels, params, nThreads);
    } catch (IllegalArgumentException e) {
      throw new UserError(flag + " " + mapFile + ": " + e.getMessage());
    }

    // 4. Write the outputs atomically.
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("producer", "unmasked crf");
    meta.put("image", image.toString());
    meta.put(flag.substring(2), mapFile.toString());
    meta.put("params", params.toString());
    CrfOutputs.writeSafetensors(out, r, meta);
    if (png != null) {
      CrfOutputs.writeLabelPng(png, r);
    }
    PrintWriter pw = spec.commandLine().getOut();
    int[] counts = new int[r.labels()];
    for (int l : r.labelMap()) {
      counts[l]++;
    }
    StringBuilder sb = new StringBuilder();
    for (int l = 0; l < counts.length; l++) {
      sb.append(String.format(Locale.ROOT, " %d:%.1f%%", l, 100.0 * counts[l] / (w * h)));
    }
    pw.printf("crf: %dx%d, %d labels, %d iterations -> %s%s%n", w, h, r.labels(), iterations, out,
        png == null ? "" : " and " + png);
    pw.println("label shares:" + sb);
    return 0;
  }

  private record ProbMap(int labels, float[] values) {}

  private static BufferedImage readImage(Path p) {
    if (!Files.isRegularFile(p)) {
      throw new UserError("--image " + p + ": no such file");
    }
    BufferedImage img;
    try {
      img = ImageIO.read(p.toFile());
    } catch (IOException | RuntimeException e) {
      throw new UserError("--image " + p + ": cannot read the image (" + e.getMessage() + ")");
    }
    if (img == null) {
      throw new UserError("--image " + p + ": not an image format ImageIO can read (use PNG or"
          + " JPEG)");
    }
    return img;
  }

  private ProbMap readMap(Path p, String flag, int w, int h) {
    if (!Files.isRegularFile(p)) {
      throw new UserError(flag + " " + p + ": no such file");
    }
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      String key = tensor;
      if (key == null) {
        if (f.keys().size() != 1) {
          throw new UserError(flag + " " + p + ": holds " + f.keys().size() + " tensors "
              + f.keys() + "; name one with --tensor");
        }
        key = f.keys().iterator().next();
      } else if (!f.contains(key)) {
        throw new UserError(flag + " " + p + ": no tensor '" + key + "' (has " + f.keys() + ")");
      }
      TensorInfo t = f.info(key);
      long[] s = t.shape();
      if (!t.dtype().isFloating()) {
        throw new UserError(flag + " " + p + ": tensor '" + key + "' is " + t.dtype()
            + "; expected a float tensor [labels, H, W]");
      }
      if (s.length != 3 || s[1] != h || s[2] != w) {
        throw new UserError(flag + " " + p + ": tensor '" + key + "' has shape "
            + t.shapeString() + " but the image is " + w + "x" + h + "; expected [labels, " + h
            + ", " + w + "]");
      }
      if (s[0] < 1) {
        throw new UserError(flag + " " + p + ": tensor '" + key + "' has zero labels");
      }
      return new ProbMap((int) s[0], f.floats(key));
    } catch (IOException e) {
      // A SafetensorsException message already starts with the file name.
      throw new UserError(flag + " " + e.getMessage(), e);
    }
  }

  /** The command's output files; each is written to a temporary file, then moved into place. */
  static final class CrfOutputs {
    private CrfOutputs() {}

    /** Safetensors with {@code labels} [H,W] (U8, or I64 above 256 labels) and {@code q} F32. */
    static void writeSafetensors(Path path, DenseCrf.Result r, Map<String, String> meta) {
      int[] map = r.labelMap();
      SafetensorsWriter w = new SafetensorsWriter().metadata(meta);
      if (r.labels() <= 256) {
        byte[] labels = new byte[map.length];
        for (int i = 0; i < map.length; i++) {
          labels[i] = (byte) map[i];
        }
        w.putU8("labels", labels, r.height(), r.width());
      } else {
        long[] labels = new long[map.length];
        for (int i = 0; i < map.length; i++) {
          labels[i] = map[i];
        }
        w.putI64("labels", labels, r.height(), r.width());
      }
      w.putF32("q", r.q(), r.labels(), r.height(), r.width());
      checkFolder(path);
      try {
        w.write(path);
      } catch (IOException e) {
        // A SafetensorsException message already starts with the file name.
        throw new UserError("output " + e.getMessage(), e);
      }
    }

    /** A PNG with one colour per label: 0 black, then the PASCAL VOC palette. */
    static void writeLabelPng(Path path, DenseCrf.Result r) {
      BufferedImage img = new BufferedImage(r.width(), r.height(), BufferedImage.TYPE_INT_RGB);
      int[] map = r.labelMap();
      for (int i = 0; i < map.length; i++) {
        img.setRGB(i % r.width(), i / r.width(), colour(map[i]));
      }
      checkFolder(path);
      try {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", png)) {
          throw new IOException("no PNG writer available");
        }
        AtomicFile.write(path, png.toByteArray());
      } catch (IOException e) {
        throw new UserError("output " + path + ": cannot write (" + e.getMessage() + ")", e);
      }
    }

    /** The PASCAL VOC colour of label l (bit-interleaved, so neighbouring labels differ). */
    static int colour(int l) {
      int rr = 0;
      int gg = 0;
      int bb = 0;
      for (int shift = 7, c = l; c > 0 && shift >= 0; shift--, c >>= 3) {
        rr |= (c & 1) << shift;
        gg |= ((c >> 1) & 1) << shift;
        bb |= ((c >> 2) & 1) << shift;
      }
      return rr << 16 | gg << 8 | bb;
    }

    private static void checkFolder(Path path) {
      Path dir = path.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir)) {
        throw new UserError("output " + path + ": folder " + dir + " does not exist");
      }
    }
  }
}
