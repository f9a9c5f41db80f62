package dev.unmasked.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A key mapping table for one component: rows of (LDM block prefix, diffusers block prefix, inner
 * rename table). A key is mapped by its longest matching block prefix, then the rest of the key by
 * the inner table (see {@link Rename}). The same rows read right to left give the inverse mapping,
 * used to write A1111-loadable names and to test that the table is a bijection.
 *
 * <p>All rows are data built once per file from its {@link UnetKeys.Layout} or block counts; there
 * are no per-key if-chains.
 */
public final class KeyTable {

  /** One block row. {@code ldm} and {@code diffusers} are prefixes without the component prefix. */
  public record Row(String ldm, String diffusers, List<Rename> inner) {}

  private final String ldmPrefix;
  private final List<Row> rows;

  /**
   * @param ldmPrefix the component's prefix in the single file ({@code model.diffusion_model.})
   * @param rows block rows; their LDM prefixes are relative to {@code ldmPrefix}
   */
  public KeyTable(String ldmPrefix, List<Row> rows) {
    this.ldmPrefix = ldmPrefix;
    this.rows = List.copyOf(rows);
  }

  public String ldmPrefix() {
    return ldmPrefix;
  }

  public List<Row> rows() {
    return rows;
  }

  /**
   * The diffusers tensors that the single-file key {@code ldmKey} (full key, with the component
   * prefix) becomes: usually one, three for an OpenCLIP {@code in_proj_*}, none when the key is not
   * covered by the table.
   */
  public List<MappedKey> toDiffusers(String ldmKey) {
    if (!ldmKey.startsWith(ldmPrefix)) {
      return List.of();
    }
    String key = ldmKey.substring(ldmPrefix.length());
    Row best = null;
    for (Row r : rows) {
      if (key.startsWith(r.ldm()) && (best == null || r.ldm().length() > best.ldm().length())) {
        best = r;
      }
    }
    if (best == null) {
      return List.of();
    }
    String rest = key.substring(best.ldm().length());
    List<MappedKey> out = new ArrayList<>();
    for (Rename n : match(best.inner(), rest)) {
      out.add(new MappedKey(best.diffusers() + n.apply(rest), ldmKey, n.transform()));
    }
    return out;
  }

  /**
   * The single-file key that holds the diffusers tensor {@code diffusersKey}, with the transform
   * that reads it; empty when no row covers the name.
   */
  public Optional<MappedKey> toLdm(String diffusersKey) {
    Row best = null;
    for (Row r : rows) {
      if (diffusersKey.startsWith(r.diffusers())
          && (best == null || r.diffusers().length() > best.diffusers().length())) {
        best = r;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    String rest = diffusersKey.substring(best.diffusers().length());
    List<Rename> inverted = best.inner().stream().map(Rename::inverted).toList();
    List<Rename> hit = match(inverted, rest);
    if (hit.size() != 1) {
      return Optional.empty();
    }
    Rename n = hit.get(0);
    return Optional.of(
        new MappedKey(diffusersKey, ldmPrefix + best.ldm() + n.apply(rest), n.transform()));
  }

  /** Exact rows that match (all of them), else the longest matching prefix row. */
  private static List<Rename> match(List<Rename> inner, String rest) {
    List<Rename> exact = new ArrayList<>();
    Rename longest = null;
    for (Rename n : inner) {
      if (!n.matches(rest)) {
        continue;
      }
      if (!n.prefix()) {
        exact.add(n);
      } else if (longest == null || n.ldm().length() > longest.ldm().length()) {
        longest = n;
      }
    }
    if (!exact.isEmpty()) {
      return exact;
    }
    return longest == null ? List.of() : List.of(longest);
  }
}
