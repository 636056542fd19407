#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — fuzz the wire decoders (tests/fuzz/fuzz_wire.c)
# with libFuzzer under ASan and UBSan for SECONDS (default 60).
#
# Builds par with clang into its own directory (PAR_FUZZ_BUILD, default
# build-fuzz/), writes the seed corpus (valid messages of every kind) into
# build-fuzz/corpus-wire/ next to what earlier runs found, and fuzzes.
# Exits non-zero on any crash, leak, sanitizer report or timeout; the input
# that caused it is saved under build-fuzz/artifacts/ and can be replayed
# with any build's tests/fuzz/fuzz_wire_replay FILE.
set -euo pipefail

secs=${1:-60}
case $secs in
''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PAR_FUZZ_BUILD:-$root/build-fuzz}

if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
        clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - 2>/dev/null; then
        echo "fuzz.sh: clang cannot link -fsanitize=fuzzer (install clang and" \
             "libclang-rt-14-dev, see scripts/deps.sh)" >&2
        exit 1
fi

# Only what the fuzz target needs: no OpenMP, MPI, benchmarks or examples.
extra=()
for opt in openmp mpi; do
        if grep -q "option('$opt'" "$root/meson_options.txt"; then
                extra+=("-D$opt=disabled")
        fi
done
if [ ! -f "$build/build.ninja" ]; then
        CC=clang CXX=clang++ meson setup "$build" "$root" \
                --buildtype=debugoptimized \
                -Db_sanitize=address,undefined -Db_lundef=false \
                "-Dc_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=all']" \
                "-Dcpp_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=all']" \
                -Dfuzz=true "${extra[@]}" \
                -Dbench=false -Dexamples=false
fi
ninja -C "$build" tests/fuzz/fuzz_wire tests/fuzz/fuzz_wire_replay

corpus=$build/corpus-wire
mkdir -p "$corpus" "$build/artifacts"
"$build/tests/fuzz/fuzz_wire_replay" --make-corpus "$corpus"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
set +e
"$build/tests/fuzz/fuzz_wire" "$corpus" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
        echo "fuzz.sh: the fuzzer failed (status $rc); inputs:" >&2
        ls -l "$build/artifacts" >&2
        exit 1
fi
echo "fuzz.sh: no crash, leak or timeout in $secs seconds"
