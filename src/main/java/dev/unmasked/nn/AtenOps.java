package dev.unmasked.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * libtorch's fused {@code silu}, {@code group_norm} and {@code scaled_dot_product_attention}, which
 * DJL 0.36 does not expose, called on DJL tensors through a small JNI library
 * ({@code aten_ops.cc}, a resource beside this class). Composed from DJL's ops these cost extra
 * kernels and memory, most of it in the backward pass: SiLU as {@code x * sigmoid(x)} keeps two
 * tensors and runs three kernels back; GroupNorm as layer_norm + scale + shift two more passes;
 * attention the full score and probability tensors ({@code [B*heads, N, N]}, 512 MB per layer for SD
 * at 64x64 latents), where the fused kernel works in tiles.
 *
 * <p>The library is compiled on first use with the system C++ compiler against the libtorch that
 * DJL loaded (about a second), cached under {@code target/native/} by the hash of its source and
 * of that libtorch's path, and checked on a small input against the composed ops before it is
 * used. Where it cannot be built or loaded (no compiler, another OS, a check that fails), or with
 * {@code UNMASKED_ATEN=0} (or {@code -Dunmasked.aten=0}), {@link #available()} is false and
 * {@link Ops} composes the operators as before; one short note says why (once per cache folder).
 * See docs/KNOWN_ISSUES.md.
 */
public final class AtenOps {
  private static final String SOURCE = "aten_ops.cc";
  private static volatile Boolean available;
  private static String reason = "not loaded yet";

  private AtenOps() {}

  static native long silu0(long x);

  static native long groupNorm0(long x, long groups, long weight, long bias, double eps);

  static native long sdpa0(long q, long k, long v, double scale);

  static native boolean requiresGrad0(long x);

  /** Whether the fused operators are in use (loads the library on the first call). */
  public static boolean available() {
    Boolean a = available;
    if (a == null) {
      synchronized (AtenOps.class) {
        a = available;
        if (a == null) {
          a = load();
          available = a;
        }
      }
    }
    return a;
  }

  /** Why {@link #available()} is false, or "loaded". */
  public static String status() {
    available();
    return reason;
  }

  /** {@code torch.nn.functional.silu(x)}. */
  public static NDArray silu(NDArray x) {
    PtNDArray p = (PtNDArray) x;
    return wrap(p, silu0(p.getHandle()));
  }

  /** {@code torch.nn.functional.group_norm(x, groups, weight, bias, eps)}; x [B, C, ...]. */
  public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
    PtNDArray p = (PtNDArray) x;
    return wrap(p, groupNorm0(p.getHandle(), groups, handle(weight), handle(bias), eps));
  }

  /**
   * {@code torch.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale)}: softmax(q k^T *
   * scale) v without a mask or dropout. q [..., N, d], k and v [..., T, d] -> [..., N, d].
   */
  public static NDArray attention(NDArray q, NDArray k, NDArray v, double scale) {
    if (q.getShape().dimension() == 3) {
      // libtorch's CPU flash kernel takes 4-d [batch, heads, L, d] only: 3-d inputs fall back to
      // its math path, which keeps the full probabilities for backward like the composed one.
      try (NDArray q4 = q.expandDims(0);
          NDArray k4 = k.expandDims(0);
          NDArray v4 = v.expandDims(0);
          NDArray out = attention(q4, k4, v4, scale)) {
        return out.squeeze(0);
      }
    }
    PtNDArray p = (PtNDArray) q;
    return wrap(p, sdpa0(p.getHandle(), handle(k), handle(v), scale));
  }

  /**
   * Whether autograd tracks {@code x} (a leaf that requires grad, or a result with a grad_fn): a
   * backward pass can reach it. DJL 0.36's {@code JniUtils.requiresGrad} answers false for results.
   * Needs {@link #available()}.
   */
  public static boolean tracksGradient(NDArray x) {
    return requiresGrad0(((PtNDArray) x).getHandle());
  }

  private static long handle(NDArray a) {
    return a == null ? 0L : ((PtNDArray) a).getHandle();
  }

  private static NDArray wrap(PtNDArray like, long handle) {
    return new PtNDArray((PtNDManager) like.getManager(), handle);
  }

  private static boolean load() {
    String off = System.getProperty("unmasked.aten", System.getenv("UNMASKED_ATEN"));
    if ("0".equals(off)) {
      reason = "turned off (UNMASKED_ATEN=0)";
      return false;
    }
    Path dir = nativeDir();
    try {
      ai.djl.engine.Engine.getEngine("PyTorch"); // libtorch is loaded from here on
      Path libtorch = loadedLibtorch();
      if (libtorch == null) {
        return fail(dir, "libtorch_cpu.so is not among this process's libraries");
      }
      byte[] source;
      try (InputStream in = AtenOps.class.getResourceAsStream(SOURCE)) {
        if (in == null) {
          return fail(dir, SOURCE + " is missing from the classpath");
        }
        source = in.readAllBytes();
      }
      Path lib = dir.resolve("libunmasked_aten-" + hash(source, libtorch.toString()) + ".so");
      if (!Files.isRegularFile(lib)) {
        String error = compile(source, libtorch, dir, lib);
        if (error != null) {
          return fail(dir, error);
        }
      }
      System.load(lib.toString());
      String mismatch = SelfCheck.run();
      if (mismatch != null) {
        return fail(dir, "the fused operators disagree with the composed ones (" + mismatch + ")");
      }
      reason = "loaded";
      return true;
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      return fail(dir, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static boolean fail(Path dir, String why) {
    reason = why;
    Path marker = dir.resolve(".note-aten");
    if (!Files.exists(marker)) {
      System.err.println("unmasked: libtorch's fused silu/group_norm/attention are not in use ("
          + why + "); the composed operators are used instead (slower, same results)");
      try {
        Files.createDirectories(dir);
        Files.writeString(marker, why + "\n");
      } catch (IOException ignored) {
        // the note then comes again next time; nothing else depends on it
      }
    }
    return false;
  }

  /** The cache folder: {@code unmasked.native.dir}, else the project's {@code target/native}. */
  static Path nativeDir() {
    String explicit = System.getProperty("unmasked.native.dir");
    if (explicit != null) {
      return Path.of(explicit);
    }
    String home = System.getProperty("unmasked.home");
    Path base = home != null ? Path.of(home) : Path.of(System.getProperty("user.dir"));
    if (Files.isRegularFile(base.resolve("pom.xml")) || Files.isDirectory(base.resolve("target"))) {
      return base.resolve("target").resolve("native");
    }
    return Path.of(System.getProperty("java.io.tmpdir"),
        "unmasked-native-" + System.getProperty("user.name", "user"));
  }

  /** The libtorch_cpu.so this process mapped (Linux), or null. */
  private static Path loadedLibtorch() throws IOException {
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return null;
    }
    for (String line : Files.readAllLines(maps, StandardCharsets.UTF_8)) {
      int slash = line.indexOf('/');
      if (slash >= 0 && line.endsWith("/libtorch_cpu.so")) {
        return Path.of(line.substring(slash));
      }
    }
    return null;
  }

  /** Compiles the library into {@code lib} (via a temporary name); null, or what went wrong. */
  private static String compile(byte[] source, Path libtorch, Path dir, Path lib)
      throws IOException {
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path include = javaHome.resolve("include");
    if (!Files.isRegularFile(include.resolve("jni.h"))) {
      return "no jni.h under " + include + " (a JDK, not a JRE, is needed to build it)";
    }
    Files.createDirectories(dir);
    long pid = ProcessHandle.current().pid();
    Path src = dir.resolve("aten_ops-" + pid + ".cc");
    Path tmp = dir.resolve(lib.getFileName() + ".tmp." + pid);
    Files.write(src, source);
    String cxx = System.getenv().getOrDefault("CXX", "g++");
    List<String> cmd = new ArrayList<>(List.of(cxx, "-std=c++17", "-O2", "-shared", "-fPIC",
        "-I" + include, "-I" + include.resolve("linux"), "-o", tmp.toString(), src.toString(),
        libtorch.toString(), libtorch.resolveSibling("libc10.so").toString(),
        "-Wl,-rpath," + libtorch.getParent(), "-Wl,--no-undefined"));
    try {
      Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!proc.waitFor(120, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        return cxx + " did not finish in 120 s";
      }
      if (proc.exitValue() != 0) {
        String why = out.lines().filter(l -> l.contains("error") || l.contains("undefined"))
            .findFirst().orElse(out.lines().findFirst().orElse(""));
        return cxx + " failed (exit " + proc.exitValue() + "): " + why.strip();
      }
      Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return null;
    } catch (IOException e) {
      return "cannot run " + cxx + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while compiling";
    } finally {
      Files.deleteIfExists(src);
      Files.deleteIfExists(tmp);
    }
  }

  private static String hash(byte[] source, String libtorch) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(source);
      md.update(libtorch.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Compares each fused operator with the composed one on a small input. */
  private static final class SelfCheck {
    static String run() {
      try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
        NDArray x = m.arange(24f).reshape(1, 4, 2, 3).sub(11.5f).div(5f);
        double d = silu(x).sub(Ops.siluComposed(x)).abs().max().getFloat();
        if (!(d < 1e-5)) {
          return "silu differs by " + d;
        }
        NDArray w = m.create(new float[] {1f, 2f, 0.5f, -1f});
        NDArray b = m.create(new float[] {0f, 1f, -1f, 0.25f});
        d = groupNorm(x, 2, w, b, 1e-5).sub(Ops.groupNormComposed(x, 2, w, b, 1e-5f)).abs().max()
            .getFloat();
        if (!(d < 1e-4)) {
          return "group_norm differs by " + d;
        }
        NDArray q = x.reshape(2, 3, 4);
        NDArray k = x.reshape(2, 3, 4).flip(1);
        NDArray ref = Ops.softmaxLast(q.matMul(k.transpose(0, 2, 1)).mul(0.5f)).matMul(k);
        d = attention(q, k, k, 0.5).sub(ref).abs().max().getFloat();
        if (!(d < 1e-5)) {
          return "attention differs by " + d;
        }
        if (tracksGradient(x)) {
          return "a plain tensor reads as tracked by autograd";
        }
        return null;
      }
    }
  }
}
