#!/bin/bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and fuzzes each for N seconds, one after the other on
# one core, on its corpus with its dictionary. Fails on any finding (crash, leak, oracle violation,
# timeout, out-of-memory); the reproducer is left in build-fuzz/findings/<target>/.
# Prints, per target, executions, exec/s, edges covered (libFuzzer's "cov:") and features ("ft:").
#
# Usage: fuzz/run.sh [seconds] [target...]     (default 60 seconds, every fuzz/fuzz_*.c)
# Environment: ECSCONF_FUZZ_BUILD_DIR (default build-fuzz), ECSCONF_FUZZ_RSS_MB (default 2048).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build_dir=${ECSCONF_FUZZ_BUILD_DIR:-build-fuzz}
rss_mb=${ECSCONF_FUZZ_RSS_MB:-2048}

CC=clang cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DECSCONF_FUZZ=ON \
    -DECSCONF_SANITIZE="address;undefined" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build_dir" --target ecsconf_fuzzers -j2 >/dev/null

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for src in fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rows=()
failed=0
for target in "${targets[@]}"; do
    work="$build_dir/work-corpus/$target"
    findings="$build_dir/findings/$target"
    log="$build_dir/findings/$target.log"
    mkdir -p "$work" "$findings"
    args=(-max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb="$rss_mb" -timeout=10
        -artifact_prefix="$findings/")
    [ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")
    # The [libfuzzer] settings of fuzz/<target>.options (what OSS-Fuzz reads), as flags; dict is above.
    if [ -f "fuzz/$target.options" ]; then
        while IFS='= ' read -r key value; do
            [ -n "$value" ] && [ "$key" != dict ] && args+=("-$key=$value")
        done < <(grep -E '^[a-z_]+ *= *' "fuzz/$target.options")
    fi
    echo "== $target: ${seconds}s" >&2
    # New inputs go to the work folder; corpus/<target> is only read.
    if "$build_dir/fuzz/$target" "${args[@]}" "$work" "corpus/$target" >"$log" 2>&1; then
        status=ok
    else
        status=FINDING
        failed=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz oracle violated|.*runtime error)' "$log" | head -5 >&2 || true
        echo "   reproducer and log: $findings/ ($log)" >&2
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE ' cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    edges=$(echo "$cov" | awk '{ print $2 }')
    features=$(echo "$cov" | awk '{ print $4 }')
    rows+=("$(printf '| %-26s | %7s | %10s | %8s | %6s | %8s |' "$target" "$status" "${execs:-?}" "${rate:-?}" "${edges:-?}" "${features:-?}")")
done

printf '\n%s s per target, ASan+UBSan, one core, clang %s\n\n' "$seconds" "$(clang -dumpversion)"
printf '| %-26s | %7s | %10s | %8s | %6s | %8s |\n' target result executions "exec/s" edges features
printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------" "---------" "------------" "----------" "--------" "----------"
printf '%s\n' "${rows[@]}"
exit "$failed"
