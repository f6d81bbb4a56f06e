#!/usr/bin/env bash
# The adapter contract's failure modes: garbage output, a crash, a hang and exit 89 (cannot express).
set -u
ecsconf="$1"
cd "$(dirname "$0")/.."
fail=0
check() { # check EXPECTED_EXIT EXPECTED_TEXT ADAPTER [options]
    local want_rc="$1" want="$2" adapter="$3"
    shift 3
    out="$("$ecsconf" client --adapter "$adapter" --only success-one-task "$@" 2>&1)"
    rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want" <<<"$out"; then
        echo "adapter '$adapter': expected exit $want_rc and '$want', got exit $rc:"
        echo "$out"
        fail=1
    else
        echo "ok: '$adapter' -> $want"
    fi
}
check 1 "adapter printed garbage (exit 0): stdout ''" "true"
check 1 "adapter printed garbage (exit 0): stdout 'not json'" "echo not json"
check 1 'adapter printed garbage' 'echo "{\"taskArns\":[]}"'
check 1 "adapter crashed: killed by signal 11" 'kill -SEGV $$'
check 1 "adapter hung: no answer within 1000 ms" "sleep 20" --timeout-ms 1000
check 0 "SKIP  success-one-task" 'echo "this client has no RunTask"; exit 89'
check 0 "the client cannot express this case: this client has no RunTask" 'echo "this client has no RunTask"; exit 89'
exit "$fail"
