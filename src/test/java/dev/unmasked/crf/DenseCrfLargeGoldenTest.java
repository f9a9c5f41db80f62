package dev.unmasked.crf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The 512x512, 3-label golden case (7.8 MB, not copied into the test resources): read from {@code
 * ${unmasked.shared}/golden/densecrf/c512_l3.safetensors}; skipped with a message when absent.
 * Also checks that 1 and 3 threads give bit-identical Q on an image large enough to be split.
 */
class DenseCrfLargeGoldenTest {

  @Test
  void c512MatchesReferenceAndIsThreadCountIndependent() {
    GoldenCrfCase c = GoldenCrfCase.shared("c512_l3");
    assumeTrue(
        c != null,
        "c512_l3.safetensors not found under ${unmasked.shared}/golden/densecrf (property "
            + "unmasked.shared=" + System.getProperty("unmasked.shared") + "); skipping");
    try (c) {
      float[] unary = c.floats("unary");
      DenseCrf one = DenseCrf.prepare(c.image(), c.width, c.height, DenseCrf.Params.DEFAULTS, 1);
      DenseCrf.Result r1 = one.infer(unary, c.labels, 5, 1);
      DenseCrfGoldenTest.assertMatches(c, 5, r1);
      assertArrayEquals(c.ints("map_it0"), one.infer(unary, c.labels, 0, 1).labelMap());

      DenseCrf three = DenseCrf.prepare(c.image(), c.width, c.height, DenseCrf.Params.DEFAULTS, 3);
      DenseCrf.Result r3 = three.infer(unary, c.labels, 5, 3);
      assertArrayEquals(r1.q(), r3.q(), "Q differs between 1 and 3 threads");
      assertArrayEquals(r1.labelMap(), r3.labelMap(), "MAP differs between 1 and 3 threads");
    }
  }
}
