#!/usr/bin/env bash
# `ecsconf client --fuzz`: client_fuzz.sh ECSCONF MODE
#   clean          the C client meets a short seeded run with no finding (exit 0, no reproducer written)
#   accept-malformed, swallow-errors
#                  the C client broken on purpose (client.h faults) yields findings (exit 1) of the rule the
#                  fault breaks; the same seed gives the same findings and the same reproducers with
#                  another --jobs; a reproducer is a client case that fails the broken client and passes
#                  the sound one, through `ecsconf client` and `ecsconf serve`
set -u
ecsconf="$1" mode="$2"
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
adapter="$ecsconf adapter-c"

if [ "$mode" = clean ]; then
    out="$("$ecsconf" client --adapter "$adapter" --fuzz 2 --seed 11 --jobs 2 --findings "$work/findings" \
        --only 'success-*,error-c*,shape-*' --json "$work/fuzz.json" 2>&1)"
    rc=$?
    echo "$out"
    [ "$rc" -eq 0 ] || fail "the C client got findings or failed (exit $rc)"
    grep -q '^fuzz: 2 answers per case, seed 11' <<<"$out" || fail "the seed is not printed"
    grep -q '^fuzz: 0 distinct findings' <<<"$out" || fail "no findings summary"
    [ ! -e "$work/findings" ] || fail "a reproducer was written with no finding"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["seed"]==11, r["seed"]' "$work/fuzz.json" ||
        fail "the JSON report does not carry the seed"
    echo "clean: no finding"
    exit 0
fi

case "$mode" in
accept-malformed) only='success-*'; rule='accepted-malformed-' ;;
swallow-errors) only='error-c*'; rule='accepted-error-' ;;
*) fail "unknown mode $mode" ;;
esac
run() { # run JOBS DIR -> the console in $work/out.JOBS
    ECSCONF_CLIENT_FAULT="$mode" "$ecsconf" client --adapter "$adapter" --fuzz 2 --seed 42 --jobs "$1" \
        --findings "$2" --only "$only" >"$work/out.$1" 2>&1
}
run 2 "$work/f2"
rc=$?
cat "$work/out.2"
[ "$rc" -eq 1 ] || fail "the broken client ($mode) was not caught: exit $rc"
grep -q "^FAIL  client/.*: $rule" "$work/out.2" || fail "no case failed with a $rule finding"
ls "$work/f2"/"$rule"*.json >/dev/null 2>&1 || fail "no reproducer $rule*.json written"

run 1 "$work/f1"
summary() { sed -n '/^fuzz: [0-9]* distinct/,/^$/p' "$1" | sed "s#$2#DIR#g"; }
diff <(summary "$work/out.2" "$work/f2") <(summary "$work/out.1" "$work/f1") ||
    fail "the same seed gave other findings with --jobs 1"
diff -r "$work/f2" "$work/f1" || fail "the same seed gave other reproducers with --jobs 1"
echo "same seed, same findings and reproducers"

repro="$(ls "$work/f2"/"$rule"*.json | head -1)"
"$ecsconf" client --adapter "$adapter" "$repro" >"$work/sound" 2>&1 ||
    { cat "$work/sound"; fail "the sound client fails the reproducer $repro"; }
ECSCONF_CLIENT_FAULT="$mode" "$ecsconf" client --adapter "$adapter" "$repro" >"$work/broken" 2>&1 &&
    { cat "$work/broken"; fail "the broken client passes the reproducer $repro"; }

# The same file through `ecsconf serve`, the client pointed at it by hand.
export AWS_ACCESS_KEY_ID=AKIDECSCONFCLIENT AWS_SECRET_ACCESS_KEY=ecsconf/client/mode/test/secret/key/0000 AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN
. tests/serve_support.sh
serve "$repro" 3
line="$(ECSCONF_CLIENT_FAULT="$mode" ECSCONF_ENDPOINT="$url" ECSCONF_PARAMS="$work/params.json" "$ecsconf" adapter-c)"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "served $repro; the broken client printed: $line"
grep -q '"ok": *true' <<<"$line" || fail "served, the reproducer did not make the broken client report ok: true"
echo "$mode: caught, reproducible"
