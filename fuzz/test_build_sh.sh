#!/bin/bash
# ctest fuzz.build_sh: runs fuzz/build.sh the way OSS-Fuzz does, with the machine's clang and libFuzzer,
# into a temporary $OUT, then checks every file the contract requires and that each binary starts.
# Skips (77) when clang, the libFuzzer runtime, zip or unzip is not installed.
# Usage: test_build_sh.sh <scratch folder>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=${1:?usage: test_build_sh.sh <scratch folder>}
if ! command -v clang >/dev/null; then
    echo "SKIP: clang not installed (Debian: clang, libfuzzer-14-dev, libclang-rt-14-dev)"
    exit 77
fi
for tool in zip unzip; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not installed (fuzz/build.sh zips the seed corpora)"
        exit 77
    fi
done
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' |
    clang -x c - -fsanitize=fuzzer,address -o /dev/null 2>/dev/null; then
    echo "SKIP: clang cannot link -fsanitize=fuzzer,address (install libfuzzer-14-dev libclang-rt-14-dev)"
    exit 77
fi
rm -rf "$scratch"
mkdir -p "$scratch/src" "$scratch/out" "$scratch/work"
export CC=clang
# OSS-Fuzz's ASan flags, at -O0 so the test compiles the library fast (OSS-Fuzz itself uses -O1).
export CFLAGS="-O0 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SRC=$scratch/src OUT=$scratch/out WORK=$scratch/work ECSCONF_FUZZ_JOBS=2
# Two targets keep the test near a minute on two cores (the library is compiled once either way):
# one with a generated .options file, one with its own.
export ECSCONF_FUZZ_TARGETS="fuzz_json_read fuzz_response_parser"
"$here/build.sh"

fail=0
for target in $ECSCONF_FUZZ_TARGETS; do
    for f in "$target" "${target}_seed_corpus.zip" "$target.dict" "$target.options"; do
        if [ ! -s "$OUT/$f" ]; then
            echo "FAIL: $OUT/$f missing or empty"
            fail=1
        fi
    done
    [ -x "$OUT/$target" ] || { echo "FAIL: $target not executable"; fail=1; continue; }
    grep -q '^\[libfuzzer\]' "$OUT/$target.options" || { echo "FAIL: $target.options has no [libfuzzer]"; fail=1; }
    # The zip holds every corpus file, and the binary (engine linked in, libraries found) runs it.
    want=$(find "$here/../corpus/$target" -type f ! -name '.*' | wc -l)
    got=$(unzip -Z1 "$OUT/${target}_seed_corpus.zip" | grep -vc '/$' || true)
    [ "$want" -eq "$got" ] || { echo "FAIL: ${target}_seed_corpus.zip has $got files, corpus has $want"; fail=1; }
    rm -rf "$scratch/seeds" && mkdir -p "$scratch/seeds"
    unzip -q "$OUT/${target}_seed_corpus.zip" -d "$scratch/seeds"
    if ! (cd "$OUT" && env -i PATH="$PATH" "./$target" -runs=0 -dict="$target.dict" "$scratch/seeds") >"$scratch/$target.log" 2>&1; then
        echo "FAIL: $target -runs=0 on its seed corpus:"
        tail -20 "$scratch/$target.log"
        fail=1
    elif ! grep -q 'INFO: Seed: ' "$scratch/$target.log"; then
        echo "FAIL: $target is not a libFuzzer binary"
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "fuzz/build.sh produced every required file for: $ECSCONF_FUZZ_TARGETS"
exit "$fail"
