package dev.unmasked.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unmasked.console.LauncherEnvironment;

import dev.unmasked.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench compare without starting anything: parsing, the table, the environments, the checks. */
class SideBySideTest {
  @TempDir Path tmp;

  static final List<String> JAVA_OUT = List.of(
      "machine: AMD EPYC, 2 cores, 23 GiB RAM, Java 17.0.15, DJL 0.36.0 / libtorch 2.7.1 CPU, torch threads 1",
      "UNet of tiny-sd, loaded in 0.4 s",
      "  round 0 (warm-up): forward 95.0 ms, forward+backward 300.2 ms, peak RSS 0.41 GB",
      "  round 1: forward 24.0 ms, forward+backward 60.0 ms, peak RSS 0.42 GB",
      "  round 2: forward 22.0 ms, forward+backward 58.0 ms, peak RSS 0.42 GB",
      "  round 3: forward 23.0 ms, forward+backward 61.5 ms, peak RSS 0.42 GB",
      "params 1.1M, batch 2, latents 8x12: forward 23.0 ms, forward+backward(context) 60.0 ms (medians of 3)",
      "peak RSS 0.42 GB");

  static final List<String> PY_OUT = List.of(
      "loaded in 0.2 s; torch 1.13.1, threads 1, interop 1, OPENBLAS_NUM_THREADS=1, ...",
      "ROUND 0 warmup fwd_ms 40.10 fwdbwd_ms 80.00",
      "ROUND 1 fwd_ms 11.00 fwdbwd_ms 21.00",
      "ROUND 2 fwd_ms 12.00 fwdbwd_ms 22.00",
      "ROUND 3 fwd_ms 13.00 fwdbwd_ms 20.00",
      "ROUND 4 fwd_ms 10.00 fwdbwd_ms 23.00",
      "params 1117156");

  @Test
  void javaRoundsWithoutTheWarmUp() {
    SideBySide.Timings t = SideBySide.parseJava(JAVA_OUT);
    assertEquals(List.of(24.0, 22.0, 23.0), t.fwd());
    assertEquals(List.of(60.0, 58.0, 61.5), t.fwdBwd());
    SideBySide.Stat s = SideBySide.Stat.of(t.fwdBwd());
    assertEquals(60.0, s.median());
    assertEquals(58.0, s.min());
    assertEquals(61.5, s.max());
  }

  @Test
  void pythonRoundsWithoutTheWarmUpAndAnEvenMedian() {
    SideBySide.Timings t = SideBySide.parsePython(PY_OUT);
    assertEquals(List.of(11.0, 12.0, 13.0, 10.0), t.fwd());
    assertEquals(List.of(21.0, 22.0, 20.0, 23.0), t.fwdBwd());
    assertEquals(new SideBySide.Stat(11.5, 10.0, 13.0), SideBySide.Stat.of(t.fwd()));
    // each side's pattern reads only its own lines
    assertTrue(SideBySide.parseJava(PY_OUT).fwd().isEmpty());
    assertTrue(SideBySide.parsePython(JAVA_OUT).fwd().isEmpty());
  }

  @Test
  void trainingStepsOfBothSides() {
    List<String> java = List.of("STEP 0 warmup ms 900.0", "STEP 1 warmup ms 800.0", "STEP 2 ms 700.5",
        "STEP 3 ms 690.0", "toy UNet training step, 1 thread(s), batch 32, 16x16 latents: median 695.3 ms");
    List<String> py = List.of("torch 1.13.1 threads 1", "STEP 0 warmup ms 1000.0 loss 1.0011",
        "STEP 1 warmup ms 900.0 loss 1.0001", "STEP 2 ms 850.0 loss 0.9990");
    assertEquals(List.of(700.5, 690.0), SideBySide.parseSteps(java));
    assertEquals(List.of(850.0), SideBySide.parseSteps(py));
    assertEquals(0.52, SideBySide.parseLoad("0.52 0.61 0.70 2/345 6789\n"));
  }

  @Test
  void theTableGivesMediansRangesAndJavaOverPyTorch() {
    SideBySide.Line l = new SideBySide.Line("tiny-sd UNet, batch 2, 8x12", 1, 3);
    SideBySide.Timings j = SideBySide.parseJava(JAVA_OUT);
    SideBySide.Timings p = SideBySide.parsePython(PY_OUT);
    l.java.fwd.addAll(j.fwd());
    l.java.fwdBwd.addAll(j.fwdBwd());
    l.python.fwd.addAll(p.fwd());
    l.python.fwdBwd.addAll(p.fwdBwd());
    l.java.peakMb.addAll(List.of(512.0, 768.0));
    l.python.peakMb.addAll(List.of(256.0, 256.0));
    l.loads.addAll(List.of(1.5, 0.25, 0.75, 1.0));
    String[] rows = SideBySide.unetTable(List.of(l)).split("\n");
    assertEquals(3, rows.length);
    assertTrue(rows[0].startsWith("| network, input | threads |"), rows[0]);
    assertEquals("| tiny-sd UNet, batch 2, 8x12 | 1 | 2 x 3 | 23.0 ms (22.0-24.0) | 11.5 ms (10.0-13.0) "
        + "| 2.00 | 60.0 ms (58.0-61.5) | 21.5 ms (20.0-23.0) | 2.79 | 0.50-0.75 GiB | 0.25 GiB "
        + "| 0.25-1.50 |", rows[2]);
  }

  @Test
  void largeTimesInSecondsAndTheTrainingTableInSamplesPerSecond() {
    assertEquals("10.90 s (10.50-11.25)",
        SideBySide.timeCell(new SideBySide.Stat(10900, 10500, 11250)));
    assertEquals("472 ms (400-510)", SideBySide.timeCell(new SideBySide.Stat(472, 400, 510)));
    SideBySide.Line l = new SideBySide.Line("toy UNet, batch 32, 16x16", 2, 2);
    l.java.steps.addAll(List.of(800.0, 600.0));
    l.python.steps.addAll(List.of(700.0, 700.0));
    String row = SideBySide.trainTable(List.of(l), 32).split("\n")[2];
    assertTrue(row.contains("| 700 ms (600-800) | 700 ms (700-700) | 1.00 | 45.7 | 45.7 |"), row);
  }

  @Test
  void pythonGetsTheReferenceEnvironmentAndJavaKeepsItsPreload() {
    Map<String, String> base = Map.of("PATH", "/usr/bin", "OPENBLAS_CORETYPE", "Haswell",
        "OPENBLAS_L2_SIZE", "1048576", "LD_PRELOAD", "/x/mkl_amd.so", "OMP_WAIT_POLICY", "ACTIVE");
    Path ref = Path.of("/r/reference-bench");
    Path src = Path.of("/d/diffusers-0.25.1/src");
    Map<String, String> py = SideBySide.pythonEnv(base, ref, src);
    assertFalse(py.containsKey("OPENBLAS_CORETYPE"));
    assertFalse(py.containsKey("OPENBLAS_L2_SIZE"));
    assertFalse(py.containsKey("LD_PRELOAD"));
    assertEquals("/r/reference-bench/stubs:/d/diffusers-0.25.1/src", py.get("PYTHONPATH"));
    assertEquals("1", py.get("HF_HUB_OFFLINE"));
    assertEquals("1", py.get("OPENBLAS_NUM_THREADS"));
    assertEquals("PASSIVE", py.get("OMP_WAIT_POLICY"));
    assertEquals(LauncherEnvironment.MALLOC_TUNABLES, py.get("GLIBC_TUNABLES"));
    assertEquals("/usr/bin", py.get("PATH"));
    Map<String, String> java = SideBySide.javaEnv(base);
    assertEquals("/x/mkl_amd.so", java.get("LD_PRELOAD"));
    assertEquals("PASSIVE", java.get("OMP_WAIT_POLICY"));
    assertEquals(LauncherEnvironment.MALLOC_TUNABLES, java.get("GLIBC_TUNABLES"));
  }

  @Test
  void bothSidesGetTheSameWork() {
    Path tiny = Path.of("/p/tiny-sd");
    Path toy = Path.of("/w/toy-unet");
    Path cfg = Path.of("/p/sd1-unet.json");
    Path py = Path.of("/usr/bin/python3");
    Path ref = Path.of("/r");
    assertEquals(List.of("bench", "unet", "--model", "/p/tiny-sd", "--batch", "2", "--height", "8",
        "--width", "12", "--repeats", "10"), SideBySide.javaArgs("tiny", tiny, toy, 10));
    assertEquals(List.of("/usr/bin/python3", "/r/pybench.py", "2", "/p/tiny-sd/unet", "2", "8", "12",
        "10"), SideBySide.pythonArgs(py, ref, "tiny", 2, tiny, toy, cfg, 10));
    assertEquals(List.of("bench", "unet", "--model", "/w/toy-unet", "--batch", "32", "--height", "16",
        "--width", "16", "--repeats", "5"), SideBySide.javaArgs("toy", tiny, toy, 5));
    assertEquals(List.of("/usr/bin/python3", "/r/pybench.py", "1", "/w/toy-unet/unet", "32", "16",
        "16", "5"), SideBySide.pythonArgs(py, ref, "toy", 1, tiny, toy, cfg, 5));
    assertEquals(List.of("bench", "unet", "--sd15", "--repeats", "2"),
        SideBySide.javaArgs("sd15", tiny, toy, 2));
    assertEquals(List.of("/usr/bin/python3", "/r/pybench.py", "1", "--sd15", "/p/sd1-unet.json", "1",
        "64", "64", "2"), SideBySide.pythonArgs(py, ref, "sd15", 1, tiny, toy, cfg, 2));
  }

  private SideBySide.Settings settings(Path diffusersSrc) {
    return new SideBySide.Settings(tmp, tmp.resolve("reference"), diffusersSrc, Path.of("/usr/bin/python3"),
        List.of("tiny", "toy", "sd15"), List.of(1, 2), 2, null, false, 6, null, tmp.resolve("work"));
  }

  @Test
  void aMissingDiffusersSrcIsAUserErrorNamingIt() throws Exception {
    UserError e = assertThrows(UserError.class, () -> SideBySide.check(settings(null)));
    assertTrue(e.getMessage().startsWith("--diffusers-src is required"), e.getMessage());
    Path empty = Files.createDirectories(tmp.resolve("src"));
    e = assertThrows(UserError.class, () -> SideBySide.check(settings(empty)));
    assertTrue(e.getMessage().contains("--diffusers-src " + empty), e.getMessage());
    assertTrue(e.getMessage().contains("diffusers/__init__.py"), e.getMessage());
    // with diffusers there, the next check speaks: the reference folder
    Files.createDirectories(empty.resolve("diffusers"));
    Files.writeString(empty.resolve("diffusers/__init__.py"), "");
    e = assertThrows(UserError.class, () -> SideBySide.check(settings(empty)));
    assertTrue(e.getMessage().startsWith("--reference "), e.getMessage());
  }

  @Test
  void defaultRepeatsPerRow() {
    assertEquals(10, SideBySide.repeats(settings(null), "tiny"));
    assertEquals(5, SideBySide.repeats(settings(null), "toy"));
    assertEquals(2, SideBySide.repeats(settings(null), "sd15"));
  }

  @Test
  void launcherAndTestRunUseTheSameMallocSettings() throws java.io.IOException {
    String launcher = java.nio.file.Files.readString(java.nio.file.Path.of("unmasked"));
    assertTrue(launcher.contains("GLIBC_TUNABLES:-" + LauncherEnvironment.MALLOC_TUNABLES + "}"),
        "launcher GLIBC_TUNABLES differ from LauncherEnvironment");
    String pom = java.nio.file.Files.readString(java.nio.file.Path.of("pom.xml"));
    assertTrue(pom.contains("<GLIBC_TUNABLES>" + LauncherEnvironment.MALLOC_TUNABLES + "</GLIBC_TUNABLES>"),
        "pom.xml GLIBC_TUNABLES differ from LauncherEnvironment");
  }
}
