#!/bin/bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and fuzzes each for N seconds, one after the other on
# one core, on its corpus with its dictionary. Fails on any finding (crash, leak, oracle violation,
# timeout, out-of-memory); the reproducer is left in build-fuzz/findings/<target>/.
# Prints, per target, executions, exec/s, edges covered (libFuzzer's "cov:") and features ("ft:"), and
# executions per CPU second: the fuzzer's own user+sys time, so a shared, loaded machine still gives the
# rate one dedicated core would (exec/s is wall-clock and falls with the load).
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

# Sets cpu_now to the CPU seconds (user + sys) this shell's finished children have used; `times` must
# run in this shell, not in a $(...) subshell, which has no children of its own.
times_file="$build_dir/findings/.times"
mkdir -p "$build_dir/findings"
read_children_cpu() {
    times >"$times_file"
    cpu_now=$(tail -1 "$times_file" | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

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
    read_children_cpu
    cpu_before=$cpu_now
    if "$build_dir/fuzz/$target" "${args[@]}" "$work" "corpus/$target" >"$log" 2>&1; then
        status=ok
    else
        status=FINDING
        failed=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz oracle violated|.*runtime error)' "$log" | head -5 >&2 || true
        echo "   reproducer and log: $findings/ ($log)" >&2
    fi
    read_children_cpu
    cpu_s=$(awk -v a="$cpu_before" -v b="$cpu_now" 'BEGIN { printf "%.1f", b - a }')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    per_cpu_s=$(awk -v n="${execs:-0}" -v t="$cpu_s" 'BEGIN { if (t > 0 && n > 0) printf "%d", n / t; else print "?" }')
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE ' cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    edges=$(echo "$cov" | awk '{ print $2 }')
    features=$(echo "$cov" | awk '{ print $4 }')
    rows+=("$(printf '| %-26s | %7s | %10s | %8s | %8s | %13s | %6s | %8s |' "$target" "$status" "${execs:-?}" \
        "${rate:-?}" "$cpu_s" "$per_cpu_s" "${edges:-?}" "${features:-?}")")
done

printf '\n%s s per target, ASan+UBSan, one core, clang %s; load average at the end: %s\n\n' "$seconds" \
    "$(clang -dumpversion)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-26s | %7s | %10s | %8s | %8s | %13s | %6s | %8s |\n' target result executions "exec/s" "CPU s" \
    "exec/CPU s" edges features
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "----------------------------" "---------" "------------" "----------" \
    "----------" "---------------" "--------" "----------"
printf '%s\n' "${rows[@]}"
exit "$failed"
