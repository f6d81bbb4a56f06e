#!/usr/bin/env bash
# `ecsconf run --record DIR`: a run against the embedded emulator stores its exchanges as fixtures that
# load with the suite's own, say they come from the emulator, and hold neither the run's secret key nor
# a signature. The secret is the emulator's documented test key (not a secret elsewhere), passed in
# the environment so the recording sees it as the run's secret.
# Usage: tests/record_run.sh PATH/TO/ecsconf SOURCE_DIR
set -euo pipefail
bin=$1
root=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-record-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
secret=ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

AWS_ACCESS_KEY_ID=AKIDECSCONFEXAMPLE AWS_SECRET_ACCESS_KEY=$secret NO_COLOR=1 \
    "$bin" run --suite "$root/conformance" --only 'errors/*,tag:clienttoken' --seed 7 --record "$work/rec" \
    --confirm-initial-ms 20 --confirm-total-ms 2000 >"$work/out" 2>&1 || fail "the run failed: $(tail -5 "$work/out")"
count=$(find "$work/rec" -name '*.json' | wc -l)
[ "$count" -gt 50 ] || fail "only $count exchanges recorded"
grep -q "ecsconf run: $count exchanges recorded into $work/rec" "$work/out" || fail "the count is not printed"
echo "ok: $count exchanges recorded"

cp -r "$root/fixtures" "$work/fixtures"
cp -r "$work/rec" "$work/fixtures/run-record"
"$bin" run --list --suite "$root/conformance" --fixtures "$work/fixtures" >"$work/list" 2>&1 ||
    fail "the recording does not load: $(grep -v '^RUN\|^SKIP' "$work/list" | head -5)"
echo "ok: the recording loads ($(tail -1 "$work/list"))"

grep -L '"from": "emulator"' "$work/rec"/*.json | grep -q . && fail "a fixture does not say it comes from the emulator"
grep -q '"via": "ecsconf run --record"' "$work/rec"/*.json || fail "recorded.via missing"
echo "ok: every fixture says recorded.from emulator, via ecsconf run --record"

# The scan must be able to fail: a planted copy of the secret is found.
printf '{"x": "%s"}\n' "$secret" >"$work/planted"
grep -rqF -- "$secret" "$work/planted" || fail "the scan does not find a planted secret"
if grep -rlF -e "$secret" -e "Signature=" "$work/rec" "$work/out"; then
    fail "a secret or a signature was written (files above)"
fi
echo "ok: no secret key or signature in the recording or the output"
