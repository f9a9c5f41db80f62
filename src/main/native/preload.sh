#!/usr/bin/env bash
# Prints the LD_PRELOAD value for libtorch in this project: the small libraries below (built here on
# first use with the system C compiler into target/native/) where they apply, then any LD_PRELOAD
# already set. Used by the launcher and by the test run (pom.xml). Never fails: no compiler, another
# OS or CPU, or a failed build mean that library is left out (with at most one short note).
#   mkl_amd.c      makes libtorch's MKL take its fast kernels on AMD CPUs (about 2x for matmuls).
#                  Linux x86-64, AuthenticAMD with AVX2. UNMASKED_MKL_FIX=0 turns it off;
#                  UNMASKED_MKL_FIX=1 forces it on any x86-64 CPU (changes nothing on Intel).
#   quiet_torch.c  hides libtorch's C++ warnings (NNPACK, AutoNonVariableTypeMode, ...). Linux.
#                  Left out when TORCH_CPP_LOG_LEVEL is INFO/WARNING/0/1 (then they print).
# See docs/KNOWN_ISSUES.md.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${UNMASKED_NATIVE_DIR:-$(cd "$HERE/../../.." && pwd)/target/native}"
CC_BIN="${CC:-cc}"

note_once() { # $1 marker name, $2 text: one short note, then silent (marker file in OUT_DIR)
  [[ -e "$OUT_DIR/.note-$1" ]] && return 0
  echo "unmasked: $2" >&2
  mkdir -p "$OUT_DIR" 2>/dev/null && : > "$OUT_DIR/.note-$1" 2>/dev/null
  return 0
}

# build NAME: prints the path of target/native/libunmasked_NAME.so, built from NAME.c if missing or
# older than the source; prints nothing (returns 1) when it cannot be built.
build() {
  local src="$HERE/$1.c" lib="$OUT_DIR/libunmasked_$1.so" tmp
  [[ -f "$src" ]] || return 1
  if [[ ! -s "$lib" || "$src" -nt "$lib" ]]; then
    command -v "$CC_BIN" >/dev/null 2>&1 || return 2
    mkdir -p "$OUT_DIR" 2>/dev/null || return 1
    tmp="$lib.tmp.$$"
    # Built under a temporary name, then renamed: a concurrent run never sees a half-written file.
    if ! "$CC_BIN" -O2 -shared -fPIC -nostdlib -o "$tmp" "$src" >/dev/null 2>&1 \
        || ! mv -f "$tmp" "$lib"; then
      rm -f "$tmp"
      return 3
    fi
  fi
  printf '%s' "$lib"
}

LIBS=""
# LD_PRELOAD splits at spaces and colons: a library path with them cannot be preloaded.
if [[ "$(uname -s 2>/dev/null)" == Linux && "$OUT_DIR" != *[[:space:]:]* ]]; then
  # MKL on AMD.
  FIX="${UNMASKED_MKL_FIX:-auto}"
  if [[ "$FIX" != 0 && "$(uname -m 2>/dev/null)" == x86_64 ]]; then
    if [[ "$FIX" == 1 ]] || { grep -q -m1 '^vendor_id[[:space:]]*: AuthenticAMD' /proc/cpuinfo \
        && grep -q -m1 '^flags.* avx2' /proc/cpuinfo; } 2>/dev/null; then
      lib="$(build mkl_amd)"; rc=$?
      case $rc in
        0) LIBS="$lib" ;;
        2) note_once mkl-no-cc "no C compiler ($CC_BIN): matmuls stay on MKL's slower AMD path (docs/KNOWN_ISSUES.md)" ;;
        3) note_once mkl-cc-failed "could not build src/main/native/mkl_amd.c: matmuls stay on MKL's slower AMD path" ;;
      esac
    fi
  fi
  # libtorch's warnings.
  case "${TORCH_CPP_LOG_LEVEL:-}" in
    INFO|info|WARNING|warning|0|1) ;;
    *) lib="$(build quiet_torch)" && LIBS="${LIBS:+$LIBS:}$lib" ;;
  esac
fi
# Ours first (a nested run, e.g. a test starting the launcher, already has them: no duplicates).
OUT="$LIBS"
IFS=: read -r -a EXISTING <<< "${LD_PRELOAD:-}"
for e in "${EXISTING[@]}"; do
  [[ -n "$e" && ":$LIBS:" != *":$e:"* ]] && OUT="${OUT:+$OUT:}$e"
done
printf '%s\n' "$OUT"
