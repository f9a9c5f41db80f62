package dev.unmasked.adapters;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA in memory, whatever file naming it came from: its modules keyed by {@link
 * LoraModule#path()} (the diffusers module path with component prefix), in name order.
 *
 * @param source where it came from (a file path), for error messages
 * @param format the naming of the file it was read from, or null when made in memory
 */
public record LoraWeights(String source, LoraFormat format, Map<String, LoraModule> modules) {

  public LoraWeights {
    modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
  }

  /** Modules made in memory (for example by training), keyed by their paths. */
  public static LoraWeights of(String source, List<LoraModule> modules) {
    Map<String, LoraModule> m = new java.util.TreeMap<>();
    for (LoraModule mod : modules) {
      if (m.put(mod.path(), mod) != null) {
        throw new IllegalArgumentException("LoRA module " + mod.path() + " given twice");
      }
    }
    return new LoraWeights(source, null, m);
  }
}
