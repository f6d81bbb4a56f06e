#!/usr/bin/env bash
# Break test of the conformance suite (ctest conformance.defect.NAME): starts `ecsconf emulate --defect NAME`
# (an emulator wrong on purpose in one documented rule) on a free loopback port, runs the named cases
# against it, and passes only when the run fails (exit 1) and every named case is FAIL. A case that still
# passed would be a rule the suite claims to check and does not.
#
# Usage: tests/conformance_defect.sh PATH/TO/ecsconf SUITE_DIR DEFECT CASE_ID...
set -euo pipefail

if [ $# -lt 4 ]; then
    echo "usage: $0 PATH/TO/ecsconf SUITE_DIR DEFECT CASE_ID..." >&2
    exit 2
fi
bin=$1
suite=$2
defect=$3
shift 3

work=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-defect.XXXXXX")
emulator_pid=
cleanup() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The emulator prints its port alone on the first line of stdout; its life is bounded.
timeout 300 "$bin" emulate --listen 127.0.0.1:0 --control --defect "$defect" >"$work/port" 2>"$work/emulator.log" &
emulator_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(head -n 1 "$work/port" 2>/dev/null || true)
    if [ -n "$port" ]; then
        break
    fi
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "the emulator did not start:" >&2
    cat "$work/emulator.log" >&2
    exit 1
fi
grep -q "defect $defect" "$work/emulator.log" || {
    echo "the emulator did not state its defect on stderr" >&2
    exit 1
}

only=()
for id in "$@"; do
    only+=(--only "$id")
done
status=0
NO_COLOR=1 "$bin" run --endpoint "http://127.0.0.1:$port" --profile emulator --suite "$suite" --seed 1 \
    --confirm-initial-ms 50 --confirm-total-ms 5000 "${only[@]}" >"$work/run.txt" 2>&1 || status=$?
cat "$work/run.txt"
if [ "$status" != 1 ]; then
    echo "expected the run to fail (exit 1) against --defect $defect, got exit $status" >&2
    exit 1
fi
missed=0
for id in "$@"; do
    if ! grep -Eq "^FAIL +[a-z0-9-]+/$id \(" "$work/run.txt"; then
        echo "NOT CAUGHT: $id does not FAIL against --defect $defect" >&2
        missed=1
    fi
done
if [ "$missed" != 0 ]; then
    exit 1
fi
echo "every named case ($#) fails against --defect $defect"
