#!/usr/bin/env bash
# ecsconf client as CI reads it: client_reports.sh ECSCONF
#  - --junit, --tap and --json hold one testcase per client case, with skips and expected failures and
#    their reasons (the XML and the JSON are parsed, the TAP plan counted);
#  - `--adapter 'ecsconf adapter-c'` runs this very binary with no ecsconf on PATH;
#  - Ctrl-C (SIGINT) while cases run: the reports hold what ran, the rest is SKIP "not run: interrupted",
#    the console says INTERRUPTED and the exit is 1;
#  - no case selected is a usage error (exit 2), and so is a report that cannot be written (before any case).
set -u
ecsconf="$1"
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAILED: $*"; fail=1; }

# Reports: a pass, an expected failure (the C client broken on purpose), a skip (an adapter that cannot
# express a case is not used here: the wrong-target fault makes success-one-task fail, as listed).
echo "success-one-task broken on purpose by the wrong-target fault" >"$work/list"
ECSCONF_CLIENT_FAULT=wrong-target PATH=/usr/bin:/bin "$ecsconf" client --adapter 'ecsconf adapter-c' \
    --only success-one-task,token-given --expect-fail "$work/list" --name c-broken \
    --junit "$work/r.xml" --tap "$work/r.tap" --json "$work/r.json" >"$work/out" 2>&1
rc=$?
cat "$work/out"
[ "$rc" -eq 1 ] || bad "token-given fails with the wrong target: expected exit 1, got $rc"
python3 - "$work" <<'PY' || fail=1
import json, sys, xml.etree.ElementTree as ET
work = sys.argv[1]
root = ET.parse(f"{work}/r.xml").getroot()
cases = {c.get("name"): c for c in root.iter("testcase")}
assert set(cases) == {"success-one-task", "token-given"}, cases
assert all(c.get("classname") == "ecsconf.client" for c in cases.values())
assert cases["token-given"].find("failure") is not None, "token-given must be a <failure>"
failure = ET.tostring(cases["token-given"].find("failure"), encoding="unicode")
assert "request 1: target: expected X-Amz-Target" in failure, "the failure names its check: " + failure
xfail = ET.tostring(cases["success-one-task"], encoding="unicode")
assert "broken on purpose" in xfail, "the expected failure carries its reason: " + xfail
report = json.load(open(f"{work}/r.json"))
assert report["profile"] == "c-broken" and report["ok"] is False, report
results = {c["id"]: c for c in report["cases"]}
assert results["success-one-task"]["result"] == "XFAIL", results
assert "broken on purpose" in results["success-one-task"]["reason"]
assert results["token-given"]["result"] == "FAIL"
tap = open(f"{work}/r.tap").read().splitlines()
assert "1..2" in tap, tap
assert any(l.startswith("not ok") and "token-given" in l for l in tap), tap
print("reports: ok")
PY
grep -q "ecsconf: not found\|adapter printed garbage" "$work/out" && bad "'ecsconf adapter-c' did not run this binary without ecsconf on PATH"

# Ctrl-C: the slow case runs, the others never start.
"$ecsconf" client --adapter 'ecsconf adapter-c' --only fault-slow-drip,token-given,token-generated --jobs 1 \
    --verbose --junit "$work/i.xml" >"$work/iout" 2>&1 &
pid=$!
# The drip answers over 6 s from its first request on (the mock logs it): the interrupt lands while it
# runs, after the handler is in place (a background job starts with SIGINT ignored).
for _ in $(seq 600); do grep -q "request 1 " "$work/iout" && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
cat "$work/iout"
[ "$rc" -eq 1 ] || bad "an interrupted run: expected exit 1, got $rc"
grep -q "INTERRUPTED" "$work/iout" || bad "an interrupted run must say INTERRUPTED"
grep -q "<error" "$work/i.xml" || bad "the JUnit report of an interrupted run must carry an error"
grep -q "SKIP  client/token-given: not run: interrupted" "$work/iout" || bad "the cases left must be SKIP 'not run: interrupted'"
python3 -c '
import sys, xml.etree.ElementTree as ET
names = [c.get("name") for c in ET.parse(sys.argv[1]).getroot().iter("testcase")
         if c.get("classname") == "ecsconf.client"]
assert len(names) == 3, names
' "$work/i.xml" || bad "the JUnit report of an interrupted run must hold every selected case"

# Nothing selected.
"$ecsconf" client --adapter true --only no-such-case >"$work/nout" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "no-such-case" "$work/nout" || bad "an --only term matching no case: expected exit 2, got $rc"
"$ecsconf" client --adapter true --only 'fault-*' --skip 'fault-*' >"$work/nout" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "no case selected" "$work/nout" || bad "no case selected: expected exit 2, got $rc"
# A report that cannot be written is a usage error found before any case runs, not after the whole run.
"$ecsconf" client --adapter true --only success-one-task --junit "$work/missing/r.xml" >"$work/wout" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "the folder '$work/missing' does not exist" "$work/wout" &&
    ! grep -q "success-one-task" "$work/wout" || bad "a report into a missing folder: expected exit 2 before any case, got $rc"
exit "$fail"
