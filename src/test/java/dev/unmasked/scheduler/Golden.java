package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.unmasked.io.SafetensorsFile;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Test access to {@code golden/schedulers_golden.safetensors} and its configs, plus assertions. */
final class Golden {

  /** Step outputs: the README's atol 1e-5 + rtol 1e-5. */
  static final double STEP_ATOL = 1e-5;

  static final double STEP_RTOL = 1e-5;

  private Golden() {}

  static Path resource(String name) {
    try {
      return Path.of(Golden.class.getResource("/golden/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource golden/" + name + " is missing", e);
    }
  }

  static SafetensorsFile open() throws Exception {
    return SafetensorsFile.open(resource("schedulers_golden.safetensors"));
  }

  static Path config(String name) {
    return resource("scheduler_configs/" + name + ".json");
  }

  static Scheduler scheduler(String configName, String overrideName) {
    return Schedulers.fromConfig(config(configName), overrideName);
  }

  /** |actual - expected| <= atol + rtol * |expected| element-wise; reports the worst element. */
  static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs((double) actual[i] - expected[i]);
      double allowed = atol + rtol * Math.abs(expected[i]);
      if (!(err <= allowed) && (worst < 0 || err - allowed > worstExcess)) {
        worst = i;
        worstExcess = err - allowed;
      }
    }
    if (worst >= 0) {
      fail(
          what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
              + " (atol " + atol + ", rtol " + rtol + ")");
    }
  }

  static void assertClose(float[] expected, double[] actual, double rtol, String what) {
    float[] a = new float[actual.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) actual[i];
    }
    assertClose(expected, a, 0, rtol, what);
  }

  /** Integer timesteps: exact. */
  static void assertTimesteps(long[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 0.0, what + "[" + i + "]");
    }
  }

  static float maxAbsDiff(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
