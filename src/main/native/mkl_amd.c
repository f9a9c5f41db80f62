/*
 * Preloaded (LD_PRELOAD) by the launcher and the test run on AMD x86-64 CPUs; see
 * docs/KNOWN_ISSUES.md ("MKL's slow path on AMD CPUs").
 *
 * The Intel MKL linked into libtorch_cpu.so (libtorch 2.7.1) asks these two functions whether the
 * CPU is a GenuineIntel one (they compare the CPUID vendor string) and, when not, takes its generic
 * AVX2 "zen" sgemm kernels even on CPUs with AVX-512. libtorch_cpu.so exports both and calls them
 * through its PLT, so a preloaded definition wins. Answering "yes" makes MKL choose its kernels
 * from the CPU's feature flags alone, as on Intel CPUs. On an Intel CPU this changes nothing: the
 * real functions return 1 there too.
 *
 * Build: cc -O2 -shared -fPIC -nostdlib -o libunmasked_mkl_amd.so mkl_amd.c (no libc needed).
 * -DUNMASKED_MKL_EMULATE_AMD builds the opposite, for measurements on an Intel CPU only: MKL is told
 * "not Intel, a Zen CPU", i.e. the code path an AMD CPU gets without the fix.
 */
#ifdef UNMASKED_MKL_EMULATE_AMD
int mkl_serv_intel_cpu_true(void) { return 0; }
int mkl_serv_intel_cpu(void) { return 0; }
int mkl_serv_cpuiszen(void) { return 1; }
#else
int mkl_serv_intel_cpu_true(void) { return 1; }
int mkl_serv_intel_cpu(void) { return 1; }
#endif
