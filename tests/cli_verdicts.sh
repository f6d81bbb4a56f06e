#!/usr/bin/env bash
# `ecsconf run` verdicts CI can trust (issue "Never a false green"): expected failures that must fail the
# expected way, the preflight and the circuit breaker (exit 3), interrupted runs in every report, zero
# selected cases (exit 2), inputs checked before anything is sent, --request-timeout-ms as the limit.
# Usage: cli_verdicts.sh PATH/TO/ecsconf PROJECT_DIR. Needs python3 (the misbehaving test endpoints).
set -u
bin=$(realpath "$1")
root=$(realpath "$2")
command -v python3 >/dev/null || { echo "SKIP: python3 not found (tests/scripts/stub_endpoint.py needs it)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-cli-verdicts.XXXXXX")
stubs=()
cleanup() {
    for pid in "${stubs[@]}"; do kill "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1 # reports named a, b, r, - land here, whatever the binary does with them
export NO_COLOR=1
fail=0

# shellcheck source=scripts/expect.sh
. "$root/tests/scripts/expect.sh"
# stub MODE [ARG]: starts tests/scripts/stub_endpoint.py, sets $port.
stub() {
    local out="$tmp/stub.$RANDOM"
    python3 "$root/tests/scripts/stub_endpoint.py" "$@" --lifetime 100 >"$out" &
    stubs+=($!)
    for _ in $(seq 200); do [ -s "$out" ] && break; sleep 0.05; done
    port=$(head -1 "$out")
    [[ "$port" =~ ^[0-9]+$ ]] || { echo "FAIL: the stub endpoint did not start"; exit 1; }
}

mkdir -p "$tmp/suite/g" "$tmp/fixtures" "$tmp/empty"
cp "$root"/fixtures/runtask/*.json "$tmp/fixtures/"
for i in 1 2 3 4 5; do
    printf '{"id": "c%s", "title": "t", "tags": ["lookup"], "steps": [{"call": "ListTasks", "body": {"cluster": "none"}, "expect": {"error": "ClusterNotFoundException"}}]}\n' $i >"$tmp/suite/g/c$i.json"
done
run=("$bin" run --suite "$tmp/suite" --fixtures "$tmp/fixtures" --seed 1)

# 1. An expected failure must fail the expected way. The case below fails against the emulator with
# HTTP 400 ClusterNotFoundException (it wants 200).
mkdir -p "$tmp/x/g"
printf '{"id": "wants-200", "title": "t", "steps": [{"call": "ListTasks", "body": {"cluster": "none"}}]}\n' >"$tmp/x/g/wants-200.json"
xrun=("$bin" run --suite "$tmp/x" --fixtures "$tmp/fixtures" --seed 1)
printf 'wants-200 a line without expectations: any answer that fails the case\n' >"$tmp/any"
expect 0 "XFAIL g/wants-200.*HTTP 400, error ClusterNotFoundException" -- "${xrun[@]}" --expect-fail "$tmp/any"
printf 'wants-200 [status=400, error=ClusterNotFoundException, reason~status] the way it fails\n' >"$tmp/exact"
expect 0 "XFAIL g/wants-200" -- "${xrun[@]}" --expect-fail "$tmp/exact"
printf 'wants-200 [status=4xx] a class\n' >"$tmp/class"
expect 0 "XFAIL g/wants-200" -- "${xrun[@]}" --expect-fail "$tmp/class"
printf 'wants-200 [status=500] moto-style HTML 500\n' >"$tmp/other-status"
expect 1 "FAIL  g/wants-200.*not as .*other-status:1 expects \(expected status=500, got HTTP 400\)" -- "${xrun[@]}" --expect-fail "$tmp/other-status"
printf 'wants-200 [error=none] no error type\n' >"$tmp/other-error"
expect 1 "FAIL  g/wants-200.*expected error=none, got ClusterNotFoundException" -- "${xrun[@]}" --expect-fail "$tmp/other-error"
printf 'wants-200 [reason~No instances] moto placement\n' >"$tmp/other-reason"
expect 1 "FAIL  g/wants-200.*expected a reason containing 'No instances'" -- "${xrun[@]}" --expect-fail "$tmp/other-reason"
printf 'wants-200 [transport=reset] dropped\n' >"$tmp/want-transport"
expect 1 "FAIL  g/wants-200.*expected transport=reset, got HTTP 400" -- "${xrun[@]}" --expect-fail "$tmp/want-transport"
# The list format is checked when it loads (file:line, exit 2).
for bad in '[status=600] x' '[status=500 x' '[] x' '[colour=red] x' '[transport=reset, status=500] x' '[status=500]x' '[status=500]' '[transport=teapot] x'; do
    printf '# comment\nwants-200 %s\n' "$bad" >"$tmp/bad-list"
    expect 2 "bad-list:2: " -- "${xrun[@]}" --expect-fail "$tmp/bad-list"
done

# A transport failure is never an expected failure, even for a listed case: an endpoint that answered
# the preflight, then dropped every connection. Three such cases in a row and a failed probe stop the run
# (exit 3, the rest SKIP); on the old runner all five were XFAIL and the run exited 0.
printf 'c* listed, any failure\n' >"$tmp/all"
stub drop-after 1
expect 3 "FAIL  g/c.*a reset failure is never an expected one" -- \
    "${run[@]}" --endpoint "http://127.0.0.1:$port" --profile moto --expect-fail "$tmp/all" --json "$tmp/b.json"
check "circuit breaker: 3 FAIL, then SKIP" grep -q "^STOPPED: 5 cases, 0 passed, 3 failed, 2 skipped" "$tmp/last.out"
check "circuit breaker: the reason" grep -q "3 cases in a row got no usable answer, and the endpoint fails a signed ListTasks too" "$tmp/last.out"
check "circuit breaker: JSON ok false, stopped" grep -q '"why": "endpoint unusable"' "$tmp/b.json"
check "circuit breaker: JSON ok false" grep -q '"ok": false' "$tmp/b.json"
# ...unless the line expects exactly that transport failure; those do not open the circuit breaker.
printf 'c* [transport=reset] this endpoint drops the connection\n' >"$tmp/reset"
stub drop-after 1
expect 0 "XFAIL g/c.*expected failure \(this endpoint drops" -- \
    "${run[@]}" --endpoint "http://127.0.0.1:$port" --profile moto --expect-fail "$tmp/reset"
check "expected transport failures: all 5 XFAIL" grep -q "^OK: 5 cases, 0 passed, 0 failed, 0 skipped, 5 expected failures" "$tmp/last.out"

# 2. Preflight: nothing listening, expected failures listed: exit 3 at once, one message, no case run.
expect 3 "is not usable, nothing was run: preflight: no usable answer \(connect\)" -- \
    "$bin" run --suite "$root/conformance" --endpoint http://127.0.0.1:1 --profile moto --only tag:clienttoken
# A server that accepts and never answers, with --request-timeout-ms 2000: exit 3 within seconds.
stub silent
start=$(date +%s)
expect 3 "preflight: no usable answer \(timeout\)" -- \
    "${run[@]}" --endpoint "http://127.0.0.1:$port" --profile moto --request-timeout-ms 2000
elapsed=$(($(date +%s) - start))
check "silent server: over in ${elapsed} s (< 15)" test "$elapsed" -lt 15
# A TLS failure names --ca-bundle and --insecure (the stub answers in plain HTTP: the handshake fails).
stub http-now
expect 3 "no usable answer \(tls\).*--ca-bundle FILE.*--insecure" -- \
    "${run[@]}" --endpoint "https://127.0.0.1:$port" --profile moto
# Credentials refused: exit 3 with the error type (the emulator knows no such key).
expect 3 "refused the credentials or the region us-east-1: HTTP [0-9]+ UnrecognizedClientException" -- \
    env AWS_ACCESS_KEY_ID=AKIAEXAMPLEUNKNOWN01 AWS_SECRET_ACCESS_KEY=x "${run[@]}"

# 3. Interrupted means interrupted: SIGINT mid-run (a case waits for a task the emulator hides for 60 s).
mkdir -p "$tmp/lag/g"
cat >"$tmp/lag/g/lag.json" <<'JSON'
{"id": "lag", "title": "t", "requires": ["clock-control"], "steps": [
  {"call": "CreateCluster", "body": {"clusterName": "${cluster}"}},
  {"call": "RegisterTaskDefinition", "body": {"family": "${family}", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 128}]}},
  {"control": {"action": "visibility_lag", "cluster": "${cluster}", "ms": 60000}},
  {"send": "runtask-ec2-basic", "confirm": true}]}
JSON
printf 'lag listed: an interrupt must not turn into an expected failure\n' >"$tmp/lag.list"
"$bin" run --suite "$tmp/lag" --fixtures "$tmp/fixtures" --confirm-initial-ms 50 --expect-fail "$tmp/lag.list" \
    --json "$tmp/i.json" --junit "$tmp/i.xml" --tap "$tmp/i.tap" >"$tmp/int.out" 2>&1 &
run_pid=$!
sleep 1.5
kill -INT "$run_pid"
wait "$run_pid"
rc=$?
check "SIGINT mid-run: exit 1 (got $rc)" test "$rc" = 1
check "SIGINT mid-run: console INTERRUPTED" grep -q "^INTERRUPTED: 1 case," "$tmp/int.out"
check "SIGINT mid-run: the listed case is FAIL, not XFAIL" grep -q "^FAIL  g/lag" "$tmp/int.out"
check "SIGINT mid-run: JSON ok false" grep -q '"ok": false' "$tmp/i.json"
check "SIGINT mid-run: JSON says interrupted" grep -q '"why": "interrupted"' "$tmp/i.json"
check "SIGINT mid-run: JUnit has an error" grep -q 'errors="1"' "$tmp/i.xml"
check "SIGINT mid-run: TAP bails out" grep -q '^Bail out! interrupted' "$tmp/i.tap"
# Ctrl-C cancels a request in flight at once: a silent server, the default 30 s timeout.
stub silent
start=$(date +%s)
"${run[@]}" --endpoint "http://127.0.0.1:$port" --profile moto >"$tmp/int2.out" 2>&1 &
run_pid=$!
sleep 1
kill -INT "$run_pid"
wait "$run_pid"
rc=$?
elapsed=$(($(date +%s) - start))
check "SIGINT with a request in flight: exit 1 (got $rc) in ${elapsed} s (< 8)" test "$rc" = 1 -a "$elapsed" -lt 8
check "SIGINT with a request in flight: INTERRUPTED" grep -q "^INTERRUPTED" "$tmp/int2.out"

# 4. Zero selected cases is an error, unless asked for.
expect 2 "--only 'tag:lokup' matches none of the 5 cases loaded; did you mean lookup\?" -- "${run[@]}" --only tag:lokup
expect 2 "--only 'c9' matches none.*did you mean c1, c2, c3\?" -- "${run[@]}" --only c9
expect 2 "no case selected: --only/--skip left out all 5 cases" -- "${run[@]}" --skip '*'
expect 2 "no case found in the paths given" -- "${run[@]}" "$tmp/empty"
expect 0 "OK: 0 cases" -- "${run[@]}" --skip '*' --allow-empty
expect 0 "tags \(cases\): lookup \(5\)" -- "${run[@]}" --tags

# 5. Every input is checked before anything is sent: exit 2, and the listening server saw no connection.
stub count "$tmp/conn.log"
url="http://127.0.0.1:$port"
aws=(env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y "${run[@]}" --profile aws)
expect 2 "--endpoint: .*'http://127.0.0.1:' has a ':' after the host but no port" -- "${aws[@]}" --endpoint "http://127.0.0.1:"
expect 2 "--endpoint: .*only http and https" -- "${aws[@]}" --endpoint "ftp://127.0.0.1:$port"
expect 2 "--endpoint: .*Port number" -- "${aws[@]}" --endpoint "http://127.0.0.1:99999"
expect 2 "--endpoint: .*port 0" -- "${aws[@]}" --endpoint "http://127.0.0.1:0"
expect 2 "--endpoint: .*must not have a path" -- "${aws[@]}" --endpoint "$url/ecs"
expect 2 "--region: 'US-EAST-1' is not an AWS region" -- "${aws[@]}" --endpoint "$url" --region US-EAST-1
expect 2 "--region: 'us east' is not an AWS region" -- "${aws[@]}" --endpoint "$url" --region 'us east'
expect 2 "AWS_REGION: 'useast1' is not an AWS region" -- env AWS_REGION=useast1 "${aws[@]}" --endpoint "$url"
expect 2 "--junit '/nonexistent/x.xml': the folder '/nonexistent' does not exist" -- "${aws[@]}" --endpoint "$url" --region us-east-1 --junit /nonexistent/x.xml
expect 2 "--junit given twice \('a', then 'b'\)" -- "${aws[@]}" --endpoint "$url" --region us-east-1 --junit a --junit b
expect 2 "--junit and --json both write '$tmp/r'" -- "${aws[@]}" --endpoint "$url" --region us-east-1 --junit "$tmp/r" --json "$tmp/r"
expect 2 "--tap and --json both write '-'" -- "${aws[@]}" --endpoint "$url" --region us-east-1 --tap - --json -
expect 2 "--ca-bundle '$tmp/missing.pem': No such file" -- "${aws[@]}" --endpoint "$url" --region us-east-1 --ca-bundle "$tmp/missing.pem"
# AWS_CA_BUNDLE is the environment's (read where the profile's ca_bundle is): exit 3, still before any request.
expect 3 "CA bundle: AWS_CA_BUNDLE '$tmp/missing.pem' cannot be read: No such file" -- env AWS_CA_BUNDLE="$tmp/missing.pem" "${aws[@]}" --endpoint "$url" --region us-east-1
check "no input error sent anything to the listening server" test ! -s "$tmp/conn.log"
# '-' is standard output: the report there, the console on stderr.
"${run[@]}" --json - >"$tmp/stdout.json" 2>"$tmp/stderr.txt"
check "--json -: a JSON report on stdout" python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['ok'] and r['summary']['pass'] == 5 else 1)" "$tmp/stdout.json"
check "--json -: no file named '-'" test ! -e ./- -a ! -e "$tmp/-"
check "--json -: the console on stderr" grep -q "^OK: 5 cases" "$tmp/stderr.txt"

# 6. --request-timeout-ms is the limit: an answer after 11 s of silence (past the old, hard-coded 10 s
# slow-drip guard) arrives within --request-timeout-ms 20000.
stub slow 11
expect 0 "OK: 1 case, 1 passed" -- "${run[@]}" --endpoint "http://127.0.0.1:$port" --profile moto --only c1 --request-timeout-ms 20000

# 7. A seed repeats a run: the same order, and fresh resource names. Against a persistent endpoint, a
# second run with the same --seed registers its task family anew (revision 1), where a reused prefix
# would meet the first run's family (revision 2).
order() { grep -oE '^(PASS|FAIL|XFAIL|SKIP) +g/c[0-9]' "$1" | awk '{print $2}' | tr '\n' ' '; }
"${run[@]}" --seed 7 >"$tmp/order1" 2>&1
"${run[@]}" --seed 7 >"$tmp/order2" 2>&1
check "--seed 7 twice: the same order ($(order "$tmp/order1"))" test "$(order "$tmp/order1")" = "$(order "$tmp/order2")"
check "--seed 7 twice: two resource prefixes" test "$(grep -o 'resource prefix ecc[0-9a-f]*' "$tmp/order1")" != "$(grep -o 'resource prefix ecc[0-9a-f]*' "$tmp/order2")"
mkdir -p "$tmp/rev/g"
cat >"$tmp/rev/g/rev.json" <<'JSON'
{"id": "rev", "title": "t", "steps": [
  {"call": "CreateCluster", "body": {"clusterName": "${cluster}"}},
  {"call": "RegisterTaskDefinition", "body": {"family": "${family}", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 128}]},
   "expect": {"body": {"/taskDefinition/revision": 1}}}]}
JSON
"$bin" emulate --listen 127.0.0.1:0 >"$tmp/emulate.port" 2>"$tmp/emulate.err" &
stubs+=($!)
for _ in $(seq 200); do [ -s "$tmp/emulate.port" ] && break; sleep 0.05; done
eport=$(head -1 "$tmp/emulate.port")
rev=("$bin" run --suite "$tmp/rev" --fixtures "$tmp/fixtures" --endpoint "http://127.0.0.1:$eport" --profile emulator --seed 7)
expect 0 "OK: 1 case, 1 passed" -- "${rev[@]}"
expect 0 "OK: 1 case, 1 passed" -- "${rev[@]}"
prefix=$(grep -oE 'resource prefix ecc[0-9a-f]{8}' "$tmp/last.out" | head -1 | cut -c20-)
expect 1 "FAIL  g/rev.*revision" -- "${rev[@]}" --run-id "$prefix"
expect 2 "--run-id takes the 8 hex digits" -- "${rev[@]}" --run-id ECC123

# 10. A suite to find one's way in: --list sorted with title and tags (the same whatever the seed), --fail-fast,
# --verbose, tags and description in the JSON report, a reproducer that says where to replay it.
"${run[@]}" --list --seed 1 >"$tmp/list1"
"${run[@]}" --list --seed 2 >"$tmp/list2"
check "--list: the same for two seeds" cmp -s "$tmp/list1" "$tmp/list2"
check "--list: title and tags" grep -q '^RUN  g/c1  "t"  \[lookup\]$' "$tmp/list1"
printf '{"id": "c0", "title": "fails", "description": "wants 200", "tags": ["lookup", "x"], "steps": [{"call": "ListTasks", "body": {"cluster": "none"}}]}\n' >"$tmp/suite/g/c0.json"
expect 1 "SKIP  g/c[1-5]: not run: --fail-fast, and a case failed" -- "${run[@]}" --fail-fast --seed 3 --json "$tmp/ff.json"
check "--fail-fast: 1 failed, the cases after it skipped" grep -qE "^FAILED: 6 cases, [0-4] passed, 1 failed, [1-5] skipped" "$tmp/last.out"
check "--fail-fast: the reproducer says where to replay it" grep -q "# replay on .ecsconf emulate --listen 127.0.0.1:[0-9]* --control" "$tmp/last.out"
check "JSON: tags and description" python3 -c "
import json, sys
cases = {c['id']: c for c in json.load(open(sys.argv[1]))['cases']}
sys.exit(0 if cases['c0']['tags'] == ['lookup', 'x'] and cases['c0']['description'] == 'wants 200' and cases['c1']['description'] is None else 1)" "$tmp/ff.json"
expect 1 "< HTTP 400, [0-9]+ bytes: .*ClusterNotFoundException" -- "${run[@]}" --only c0 --verbose
check "--verbose: the request as a curl line, no secret" grep -q "> curl .*--user \"\$AWS_ACCESS_KEY_ID:\$AWS_SECRET_ACCESS_KEY\"" "$tmp/last.out"
check "--verbose: no signature printed" test "$(grep -c 'Signature=' "$tmp/last.out")" = 0
rm "$tmp/suite/g/c0.json"

# 11. Undocumented answers (conformance/README.md, "Undocumented answers"): a step tagged undocumented accepts
# every plausible client error; --strict requires the reference emulator's choice. A faithful endpoint that
# answers another plausible type passes, and fails under --strict; an implausible answer fails both ways.
mkdir -p "$tmp/undoc/g"
cat >"$tmp/undoc/g/count-zero.json" <<'JSON'
{"id": "count-zero", "title": "count 0", "tags": ["undocumented"],
 "steps": [{"call": "RunTask", "body": {"cluster": "${cluster}", "taskDefinition": "${family}", "count": 0},
            "expect": {"status": {"range": {"min": 400, "max": 499}},
                       "error": {"one_of": ["InvalidParameterException", "ClientException"]},
                       "strict": {"status": 400, "error": "InvalidParameterException"}}}]}
JSON
undoc=("$bin" run --suite "$tmp/undoc" --fixtures "$tmp/fixtures" --profile moto --seed 1)
stub error 400 ClientException
expect 0 "OK: 1 case, 1 passed" -- "${undoc[@]}" --endpoint "http://127.0.0.1:$port"
expect 1 "FAIL  g/count-zero.*error type \(--strict\)" -- "${undoc[@]}" --endpoint "http://127.0.0.1:$port" --strict
check "--strict: the run says so" grep -q "^ecsconf run: --strict: " "$tmp/last.out"
stub error 400 InvalidParameterException
expect 0 "OK: 1 case, 1 passed" -- "${undoc[@]}" --endpoint "http://127.0.0.1:$port" --strict
for implausible in "400 ConflictException" "400 PlatformUnknownException" "400 ClusterNotFoundException"; do
    # shellcheck disable=SC2086
    stub error $implausible
    expect 1 "FAIL  g/count-zero" -- "${undoc[@]}" --endpoint "http://127.0.0.1:$port"
    expect 1 "FAIL  g/count-zero" -- "${undoc[@]}" --endpoint "http://127.0.0.1:$port" --strict
done

exit $fail
