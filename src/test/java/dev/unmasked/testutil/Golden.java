package dev.unmasked.testutil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.io.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;

/** Access to the golden reference data copied into src/test/resources/golden. */
public final class Golden {
  private Golden() {}

  public static Path dir() {
    return Path.of("src/test/resources/golden");
  }

  public static Path path(String relative) {
    Path p = dir().resolve(relative);
    if (!Files.exists(p)) {
      fail("golden file missing: " + p.toAbsolutePath());
    }
    return p;
  }

  public static SafetensorsFile open(String relative) {
    try {
      return SafetensorsFile.open(path(relative));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Loads a float tensor as an NDArray (float32, or converted to {@code dtype}). */
  public static NDArray load(NDManager m, SafetensorsFile f, String key, DataType dtype) {
    try {
      TensorInfo t = f.info(key);
      NDArray a = m.create(f.floats(key), new Shape(t.shape()));
      return dtype == DataType.FLOAT32 ? a : a.toType(dtype, false);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  public static NDArray load(NDManager m, SafetensorsFile f, String key) {
    return load(m, f, key, DataType.FLOAT32);
  }

  /** Asserts |actual - expected| <= atol + rtol * |expected| element-wise, with shape equality. */
  public static void assertClose(String what, NDArray expected, NDArray actual, double atol,
      double rtol) {
    assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(),
        what + ": shape");
    float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
    float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
    assertClose(what, e, a, atol, rtol);
  }

  public static void assertClose(String what, float[] e, float[] a, double atol, double rtol) {
    double worst = 0;
    int worstIdx = -1;
    for (int i = 0; i < e.length; i++) {
      double d = Math.abs((double) a[i] - e[i]);
      double excess = d - (atol + rtol * Math.abs(e[i]));
      if (Double.isNaN(a[i]) || excess > worst) {
        worst = Double.isNaN(a[i]) ? Double.POSITIVE_INFINITY : excess;
        worstIdx = i;
      }
    }
    if (worstIdx >= 0) {
      fail(String.format("%s: element %d is %g, expected %g (atol %g, rtol %g)", what, worstIdx,
          a[worstIdx], e[worstIdx], atol, rtol));
    }
  }

  public static double maxAbsDiff(NDArray a, NDArray b) {
    return a.toType(DataType.FLOAT64, false).sub(b.toType(DataType.FLOAT64, false)).abs().max()
        .getDouble();
  }
}
