package dev.unmasked.console;

import java.util.Map;

/**
 * The process settings that the {@code unmasked} launcher exports before it starts the JVM, for the
 * child JVMs this program starts itself ({@code eval concepts --jobs}, {@code bench compare}).
 * glibc reads {@code GLIBC_TUNABLES} when a process starts and leaves only its first entry in the
 * environment it passes on, so a child would otherwise run with the huge-page setting alone.
 */
public final class LauncherEnvironment {
  private LauncherEnvironment() {}

  /**
   * The launcher's malloc settings (explained in {@code unmasked}; {@code SideBySideTest} checks that
   * the launcher and pom.xml spell the same).
   */
  public static final String MALLOC_TUNABLES = "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1"
      + ":glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296";

  /** The launcher's OpenMP wait policy. */
  public static final String OMP_WAIT_POLICY = "PASSIVE";

  /** Puts the launcher's OpenMP and malloc settings into a child's environment. */
  public static void apply(Map<String, String> env) {
    env.put("OMP_WAIT_POLICY", OMP_WAIT_POLICY);
    env.put("GLIBC_TUNABLES", MALLOC_TUNABLES);
  }
}
