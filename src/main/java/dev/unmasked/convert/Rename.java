package dev.unmasked.convert;

/**
 * One row of an inner rename table: how the rest of a key, after its block prefix, is spelled in LDM
 * and in diffusers. A prefix row renames the start of the rest and keeps what follows ({@code
 * in_layers.0.} to {@code norm1.}); an exact row must match the whole rest ({@code q.weight} to
 * {@code to_q.weight}). Several exact rows may share one LDM side: that is how one OpenCLIP {@code
 * in_proj_weight} becomes three diffusers tensors.
 */
public record Rename(String ldm, String diffusers, boolean prefix, Transform transform) {

  public static Rename prefix(String ldm, String diffusers) {
    return new Rename(ldm, diffusers, true, Transform.IDENTITY);
  }

  public static Rename exact(String ldm, String diffusers) {
    return new Rename(ldm, diffusers, false, Transform.IDENTITY);
  }

  public static Rename exact(String ldm, String diffusers, Transform t) {
    return new Rename(ldm, diffusers, false, t);
  }

  /** The same row read in the other direction (diffusers on the left). */
  Rename inverted() {
    return new Rename(diffusers, ldm, prefix, transform);
  }

  boolean matches(String rest) {
    return prefix ? rest.startsWith(ldm) : rest.equals(ldm);
  }

  String apply(String rest) {
    return diffusers + rest.substring(ldm.length());
  }
}
