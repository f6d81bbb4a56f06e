#!/bin/bash
# ctest fuzz.afl: the AFL++ command of fuzz/README.md, run for real on one target. Builds
# fuzz_response_parser with afl-clang-fast (ASan+UBSan, the libFuzzer entry point driven by AFL++'s own
# driver in persistent mode), fuzzes it for 10 seconds from its seeds with its dictionary, and checks
# that AFL++ executed it, kept the seeds, and saved no crash and no hang.
# Skips (77) when afl-clang-fast or afl-fuzz is not installed (Debian: afl++).
# Usage: test_afl.sh <scratch folder>
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:?usage: test_afl.sh <scratch folder>}
for tool in afl-clang-fast afl-fuzz; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not installed (Debian: afl++)"
        exit 77
    fi
done
target=fuzz_response_parser
rm -rf "$scratch"
mkdir -p "$scratch"
# The documented command, with the build folder in the scratch and one target built instead of all.
CC=afl-clang-fast cmake -S "$here" -B "$scratch/build" -DECSCONF_FUZZ=ON -DECSCONF_SANITIZE="address;undefined" \
    -DBUILD_TESTING=OFF >"$scratch/cmake.log" 2>&1 || { tail -20 "$scratch/cmake.log"; exit 1; }
cmake --build "$scratch/build" --target "$target" -j2 >"$scratch/build.log" 2>&1 || { tail -20 "$scratch/build.log"; exit 1; }

# A CI machine's core_pattern, CPU governor and busy cores are not the fuzzer's business here.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
if ! afl-fuzz -V 10 -i "$here/corpus/$target" -o "$scratch/out" -x "$here/fuzz/$target.dict" \
    -- "$scratch/build/fuzz/$target" >"$scratch/afl.log" 2>&1; then
    echo "FAIL: afl-fuzz exited non-zero:"
    tail -30 "$scratch/afl.log"
    exit 1
fi
stats=$scratch/out/default/fuzzer_stats
[ -s "$stats" ] || { echo "FAIL: afl-fuzz wrote no $stats"; tail -30 "$scratch/afl.log"; exit 1; }
afl_stat() { sed -n "s/^$1 *: *//p" "$stats"; }
seeds=$(find "$here/corpus/$target" -type f ! -name '.*' | wc -l)
execs=$(afl_stat execs_done)
corpus=$(afl_stat corpus_count)
crashes=$(afl_stat saved_crashes)
hangs=$(afl_stat saved_hangs)
echo "afl-fuzz, 10 s on $target: $execs executions ($(afl_stat execs_per_sec)/s), corpus $corpus from $seeds seeds," \
    "$crashes crashes, $hangs hangs"
fail=0
# AFL++'s libFuzzer driver runs inputs in one process (thousands a second); a fork per input (the
# standalone replay driver) runs a few dozen a second with ASan's start-up each time.
grep -q 'Persistent mode binary detected' "$scratch/afl.log" || { echo "FAIL: not a persistent-mode binary"; fail=1; }
[ "$execs" -gt "$seeds" ] || { echo "FAIL: $execs executions: the seeds alone are $seeds"; fail=1; }
# AFL++ drops seeds that add no coverage, but an uninstrumented binary keeps none beyond the first.
[ "$corpus" -gt 1 ] || { echo "FAIL: corpus of $corpus: is the binary instrumented?"; fail=1; }
[ "$crashes" -eq 0 ] || { echo "FAIL: $crashes crashes in $scratch/out/default/crashes"; fail=1; }
[ "$hangs" -eq 0 ] || { echo "FAIL: $hangs hangs in $scratch/out/default/hangs"; fail=1; }
exit "$fail"
