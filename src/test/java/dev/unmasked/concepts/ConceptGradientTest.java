package dev.unmasked.concepts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.unmasked.crf.DenseCrf;
import dev.unmasked.pipeline.LoadedModel;
import dev.unmasked.testutil.Golden;
import dev.unmasked.training.TrainLoop;
import dev.unmasked.training.TrainRng;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning step's gradient path: concept rows -> CLIP -> UNet cross-attention -> masked
 * diffusion loss + cross-attention loss on the differentiable maps (max-normalised). float32
 * autograd against float64 autograd and float64 central differences, on tiny-sd.
 */
class ConceptGradientTest {
  @TempDir Path dir;

  static LearnOptions options() {
    LearnOptions d = LearnOptions.toyDefaults();
    return new LearnOptions(LearnOptions.Mode.USER, 0, 2, 10, 5e-3, LearnOptions.Phase2.NONE, 0,
        1e-4, 4, 1.0, 0.5, 4, 100, 700, 5, 0.95, DenseCrf.Params.DEFAULTS, List.of(8), false,
        true, d.promptTemplate(), List.of(), 0, 100, d.prior(),
        LearnOptions.BackgroundLabel.MAP);
  }

  /** A 16x16 image: a red square on the left, a blue disc on the right, grey elsewhere. */
  static InputImage image() {
    int s = 16;
    int[] argb = new int[s * s];
    boolean[] a = new boolean[s * s];
    boolean[] b = new boolean[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        int p = y * s + x;
        argb[p] = 0x808080;
        if (x >= 2 && x < 7 && y >= 4 && y < 10) {
          argb[p] = 0xd02020;
          a[p] = true;
        } else if ((x - 11) * (x - 11) + (y - 8) * (y - 8) < 12) {
          argb[p] = 0x2040d0;
          b[p] = true;
        }
      }
    }
    return new InputImage(Path.of("scene.png"), "scene", s, argb, List.of(
        new InputImage.Truth("a", List.of("red"), false, new Mask(s, s, a)),
        new InputImage.Truth("b", List.of("blue"), false, new Mask(s, s, b))), "");
  }

  static List<ConceptSpec> concepts() {
    return List.of(new ConceptSpec("<v1>", "photo", null, false, Map.of()),
        new ConceptSpec("<v2>", "beach", null, false, Map.of()));
  }

  private ConceptLearner learner(NDManager m, DataType dt) throws Exception {
    LoadedModel model = LoadedModel.load(Golden.path("tiny-sd"), m, dt);
    InputImage im = image();
    ConceptLearner l = new ConceptLearner(model, List.of(im), concepts(), options(),
        new RunFolder(dir, "{}"), new PrintStream(new ByteArrayOutputStream()));
    l.prepare(m);
    l.masks().update(0, Map.of("scene", List.of(im.truth().get(0).mask(), im.truth().get(1).mask())));
    return l;
  }

  private static double loss(ConceptLearner l) {
    return l.losses(0, new TrainRng(3)).get(TrainLoop.TOTAL).toType(DataType.FLOAT64, false).getDouble();
  }

  private static double[] grad(ConceptLearner l, NDArray rows) {
    rows.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(l.losses(0, new TrainRng(3)).get(TrainLoop.TOTAL));
    }
    return rows.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
  }

  @Test
  void tokenGradientMatchesFloat64() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      ConceptLearner l32 = learner(m, DataType.FLOAT32);
      ConceptLearner l64 = learner(m, DataType.FLOAT64);
      NDArray rows32 = l32.modelRows();
      NDArray rows64 = l64.modelRows();
      double[] g32 = grad(l32, rows32);
      double[] g64 = grad(l64, rows64);
      double scale = 0;
      double worst = 0;
      for (int i = 0; i < g64.length; i++) {
        scale = Math.max(scale, Math.abs(g64[i]));
        worst = Math.max(worst, Math.abs(g32[i] - g64[i]));
      }
      assertTrue(scale > 1e-6, "gradient is not trivially zero: " + scale);
      assertTrue(worst <= 2e-3 * scale, "float32 vs float64: " + worst + " of " + scale);
      double[] base = rows64.toDoubleArray();
      double h = 1e-6;
      for (int i : new int[] {0, 5, 17, 31, 32, 40, 63}) {
        double[] plus = base.clone();
        double[] minus = base.clone();
        plus[i] += h;
        minus[i] -= h;
        l64.setModelRows(m.create(plus, rows64.getShape()));
        double fp = loss(l64);
        l64.setModelRows(m.create(minus, rows64.getShape()));
        double fm = loss(l64);
        double fd = (fp - fm) / (2 * h);
        assertTrue(Math.abs(fd - g64[i]) <= 1e-4 * scale + 1e-3 * Math.abs(fd),
            "row element " + i + ": float64 autograd " + g64[i] + " vs central difference " + fd);
        assertTrue(Math.abs(fd - g32[i]) <= 3e-3 * scale,
            "row element " + i + ": float32 autograd " + g32[i] + " vs central difference " + fd);
      }
    }
  }

  /** Phase 2: the LoRA path (up set to non-zero values so that both factors get gradients). */
  @Test
  void loraGradientMatchesFloat64() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      double[][] g = new double[2][];
      double scale = 0;
      for (int v = 0; v < 2; v++) {
        DataType dt = v == 0 ? DataType.FLOAT32 : DataType.FLOAT64;
        ConceptLearner l = learner(m, dt);
        LoraAdapters a = new LoraAdapters(l.modelForTests().unet(), 2, 9, m);
        java.util.List<NDArray> ps = new java.util.ArrayList<>(a.params().values());
        java.util.List<Double> all = new java.util.ArrayList<>();
        java.util.SplittableRandom r;
        // the same small values in both dtypes (up non-zero so that down gets a gradient too)
        r = new java.util.SplittableRandom(4);
        for (NDArray p : ps) {
          double[] vals = new double[(int) p.size()];
          for (int i = 0; i < vals.length; i++) {
            vals[i] = 0.1 * (r.nextDouble() * 2 - 1);
          }
          NDArray src = m.create(vals, p.getShape()).toType(dt, false);
          p.subi(p).addi(src);
          p.setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          gc.backward(l.losses(0, new TrainRng(3)).get(TrainLoop.TOTAL));
        }
        for (NDArray p : ps) {
          for (double d : p.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()) {
            all.add(d);
          }
        }
        g[v] = all.stream().mapToDouble(Double::doubleValue).toArray();
        for (NDArray p : ps) {
          p.getGradient().subi(p.getGradient());
        }
      }
      double worst = 0;
      for (int i = 0; i < g[1].length; i++) {
        scale = Math.max(scale, Math.abs(g[1][i]));
        worst = Math.max(worst, Math.abs(g[0][i] - g[1][i]));
      }
      assertTrue(scale > 1e-6, "LoRA gradient is not trivially zero: " + scale);
      assertTrue(worst <= 2e-3 * scale, "float32 vs float64 LoRA gradient: " + worst + " of " + scale);
    }
  }
}
