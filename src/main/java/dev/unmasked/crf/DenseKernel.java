package dev.unmasked.crf;

/**
 * One Gaussian pairwise kernel with symmetric normalisation, as the reference's {@code DenseKernel}
 * (pairwise.cpp) with {@code DIAG_KERNEL} and {@code NORMALIZE_SYMMETRIC}: {@code K̃ = D^-½ K D^-½}
 * where K is the lattice filter and {@code D = diag(K·1)}.
 *
 * <p>Shape contract: pixel-major fields {@code float[n * valueSize]}.
 */
final class DenseKernel {

  private final PermutohedralLattice lattice;
  /** [n]: the lattice applied to a field of ones (the normaliser's input). */
  private final float[] latticeOnes;
  /** [n]: s_i = 1/√(lattice(1)_i + 1e-20), computed in double and stored as float. */
  private final float[] norm;

  private DenseKernel(PermutohedralLattice lattice, float[] latticeOnes, float[] norm) {
    this.lattice = lattice;
    this.latticeOnes = latticeOnes;
    this.norm = norm;
  }

  /** Builds the lattice for pixel-major {@code features[n * d]} and its normaliser. */
  static DenseKernel build(float[] features, int n, int d, Parallel par) {
    PermutohedralLattice lattice = PermutohedralLattice.build(features, n, d, par);
    float[] ones = new float[n];
    java.util.Arrays.fill(ones, 1f);
    float[] latticeOnes = lattice.filter(ones, 1, par);
    float[] norm = new float[n];
    par.forRange(
        n,
        4096,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            norm[i] = (float) (1.0 / Math.sqrt(latticeOnes[i] + 1e-20));
          }
        });
    return new DenseKernel(lattice, latticeOnes, norm);
  }

  PermutohedralLattice lattice() {
    return lattice;
  }

  /** The raw filter of ones, before normalisation ({@code lattice_ones_*} in the golden files). */
  float[] latticeOnes() {
    return latticeOnes.clone();
  }

  /** The normalised message {@code K̃ q} for pixel-major {@code q[n * valueSize]}. */
  float[] apply(float[] q, int valueSize, Parallel par) {
    int n = lattice.pixels();
    float[] scaled = new float[n * valueSize];
    scaleRows(q, valueSize, scaled);
    float[] out = lattice.filter(scaled, valueSize, par);
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < valueSize; k++) {
        out[i * valueSize + k] = out[i * valueSize + k] * norm[i];
      }
    }
    return out;
  }

  /** out[i*vs+k] = q[i*vs+k] · s_i: the D^-½ applied before filtering. */
  void scaleRows(float[] q, int vs, float[] out) {
    int n = lattice.pixels();
    for (int i = 0; i < n; i++) {
      float s = norm[i];
      for (int k = 0; k < vs; k++) {
        out[i * vs + k] = q[i * vs + k] * s;
      }
    }
  }

  /** s_i for pixel i. */
  float norm(int i) {
    return norm[i];
  }
}
