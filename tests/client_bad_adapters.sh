#!/usr/bin/env bash
# The adapter contract's failure modes: garbage output, a crash, a hang and exit 89 (cannot express);
# and the expect-fail list: a listed failure is XFAIL (exit 0), a listed pass is XPASS (exit 1), an entry
# that matches no case is a usage error (exit 2).
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
# An escaped NUL is JSON: a client passing one through from an answer prints a well-formed line.
check 1 "the client reported /ok = false" 'echo "{\"ok\":false,\"error\":\"E\",\"message\":\"a\\u0000b\"}"'
check 0 "SKIP  client/success-one-task" 'echo "this client has no RunTask"; exit 89'
check 0 "the client cannot express this case: this client has no RunTask" 'echo "this client has no RunTask"; exit 89'
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "success-one-task known to fail here" >"$work/list"
check 1 "XPASS client/success-one-task" "$ecsconf adapter-c" --expect-fail "$work/list"
ECSCONF_CLIENT_FAULT=wrong-target check 0 "XFAIL client/success-one-task" "$ecsconf adapter-c" --expect-fail "$work/list"
echo "no-such-case reason" >"$work/unused"
out="$("$ecsconf" client --adapter "$ecsconf adapter-c" --expect-fail "$work/unused" 2>&1)"
rc=$?
if [ "$rc" -ne 2 ] || ! grep -qF "'no-such-case' matches no case" <<<"$out"; then
    echo "an unused expect-fail entry: expected exit 2, got $rc"
    fail=1
fi
echo "reason-less" >"$work/bad"
"$ecsconf" client --adapter true --expect-fail "$work/bad" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "an expect-fail line without a reason must be a usage error"; fail=1; }
exit "$fail"
