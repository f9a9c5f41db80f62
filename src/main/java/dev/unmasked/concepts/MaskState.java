package dev.unmasked.concepts;

import dev.unmasked.UserError;
import dev.unmasked.training.Checkpoint;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The current mask of each (image, concept) pair at the image's resolution, the previous E-step's,
 * how many E-steps ran and whether they have converged; saved in and restored from checkpoints.
 */
public final class MaskState {
  private final List<InputImage> images;
  private final List<ConceptSpec> concepts;
  private final List<List<Integer>> conceptsOf;
  private final Map<String, Mask> current = new HashMap<>();
  private final Map<String, Mask> previous = new HashMap<>();
  private int count;
  private boolean converged;
  private long lastStep;

  MaskState(List<InputImage> images, List<ConceptSpec> concepts, List<List<Integer>> conceptsOf) {
    this.images = images;
    this.concepts = concepts;
    this.conceptsOf = conceptsOf;
  }

  private static String key(int n, int k) {
    return n + "." + k;
  }

  public Mask mask(int n, int k) {
    Mask m = current.get(key(n, k));
    if (m == null) {
      throw new IllegalStateException("no mask for image " + n + ", concept " + k);
    }
    return m;
  }

  public Mask previous(int n, int k) {
    return previous.get(key(n, k));
  }

  public int count() {
    return count;
  }

  public long lastStep() {
    return lastStep;
  }

  public boolean converged() {
    return converged;
  }

  void markConverged() {
    converged = true;
  }

  /** Takes an E-step's masks (by image stem, in the image's concept order); returns the lowest IoU
   *  with the previous masks, NaN for the first E-step. */
  double update(long step, Map<String, List<Mask>> byStem) {
    double lowest = Double.NaN;
    for (int n = 0; n < images.size(); n++) {
      List<Mask> ms = byStem.get(images.get(n).stem());
      if (ms == null) {
        continue;
      }
      List<Integer> ks = conceptsOf.get(n);
      for (int j = 0; j < ks.size(); j++) {
        String key = key(n, ks.get(j));
        Mask old = current.get(key);
        if (old != null) {
          previous.put(key, old);
          double iou = old.iou(ms.get(j));
          lowest = Double.isNaN(lowest) ? iou : Math.min(lowest, iou);
        }
        current.put(key, ms.get(j));
      }
    }
    count++;
    lastStep = step;
    return lowest;
  }

  /** Reads the user's masks (--mask), checking size and content. */
  void loadUser(RunFolder run) throws IOException {
    Map<String, List<Mask>> byStem = new LinkedHashMap<>();
    for (int n = 0; n < images.size(); n++) {
      InputImage im = images.get(n);
      List<Mask> ms = new java.util.ArrayList<>();
      for (int k : conceptsOf.get(n)) {
        ConceptSpec c = concepts.get(k);
        Path p = c.userMasks().get(im.stem());
        if (p == null) {
          throw new UserError("--mode user: no --mask for " + c.token() + " in " + im.path()
              + " (give --mask '" + c.token() + "=" + im.path().getFileName() + ":MASK.png')");
        }
        BufferedImage img = ImageIO.read(p.toFile());
        if (img == null) {
          throw new UserError(p + ": not a readable mask image (8-bit PNG, 255 inside)");
        }
        if (img.getWidth() != im.size() || img.getHeight() != im.size()) {
          throw new UserError(p + ": the mask is " + img.getWidth() + "x" + img.getHeight()
              + " but its image is used at " + im.size() + "x" + im.size() + "; give a mask of the image's size");
        }
        Mask m = Mask.fromImage(img);
        if (m.area() == 0) {
          throw new UserError(p + ": the mask is empty (no pixel above 127)");
        }
        ms.add(m);
      }
      byStem.put(im.stem(), ms);
    }
    update(0, byStem);
    converged = true;
  }

  /** Checkpoint tensors. */
  Map<String, Checkpoint.State> state() {
    Map<String, Checkpoint.State> s = new LinkedHashMap<>();
    s.put("estep", new Checkpoint.State(new float[] {count, converged ? 1 : 0, lastStep}, 3));
    for (Map.Entry<String, Mask> e : current.entrySet()) {
      Mask m = e.getValue();
      s.put("mask." + e.getKey(), new Checkpoint.State(m.toFloats(), m.height(), m.width()));
    }
    for (Map.Entry<String, Mask> e : previous.entrySet()) {
      Mask m = e.getValue();
      s.put("previous." + e.getKey(), new Checkpoint.State(m.toFloats(), m.height(), m.width()));
    }
    return s;
  }

  void restore(Map<String, Checkpoint.State> s) {
    Checkpoint.State e = s.get("estep");
    if (e == null) {
      return;
    }
    count = (int) e.values()[0];
    converged = e.values()[1] != 0;
    lastStep = (long) e.values()[2];
    for (Map.Entry<String, Checkpoint.State> en : s.entrySet()) {
      String k = en.getKey();
      if (k.startsWith("mask.") || k.startsWith("previous.")) {
        long[] sh = en.getValue().shape();
        boolean[] in = new boolean[en.getValue().values().length];
        for (int i = 0; i < in.length; i++) {
          in[i] = en.getValue().values()[i] > 0.5f;
        }
        Mask m = new Mask((int) sh[1], (int) sh[0], in);
        (k.startsWith("mask.") ? current : previous).put(k.substring(k.indexOf('.') + 1), m);
      }
    }
  }
}
