#!/usr/bin/env bash
# `ecsconf fuzz`: usage errors (2), an unusable endpoint (3), a short seeded fuzz of the embedded
# emulator (no finding allowed: exit 0), of `ecsconf serve` and of `ecsconf record` in front of
# `ecsconf emulate` (requests and connection-level attacks, no finding allowed), and of moto_server on
# 127.0.0.1 when it is installed (its known finding classes must be found: exit 1 and the classes in
# the JSON report).
# Usage: tests/cli_fuzz.sh PATH/TO/ecsconf PROJECT_DIR [emulator|serve|record|moto]
set -uo pipefail
. "$2/tests/lib.sh"
lib_setup fuzz "$@"

if [ "$part" = emulator ]; then
    expect_exit 2 "unknown option" "$bin" fuzz --bogus
    grep -q "unknown option" "$tmp/err" || fail "unknown option not named"
    expect_exit 2 "bad --requests" "$bin" fuzz --requests 0
    grep -q -- "--requests takes" "$tmp/err" || fail "--requests error not explained"
    expect_exit 2 "remote endpoint without --allow-remote" "$bin" fuzz --endpoint http://192.0.2.1:1 --requests 1
    expect_exit 2 "profile without endpoint" "$bin" fuzz --profile moto --requests 1
    expect_exit 2 "unknown rule skipped" "$bin" fuzz --skip-rule reject.signatures --requests 1
    grep -q "no rule is named 'reject.signatures'" "$tmp/err" || fail "unknown --skip-rule not named"
    expect_exit 2 "--mock without endpoint" "$bin" fuzz --mock --requests 1
    # Reports are checked before anything is sent: two into one file, or into a missing folder.
    expect_exit 2 "two reports into one file" "$bin" fuzz --requests 1 --json "$tmp/r" --junit "$tmp/r"
    grep -q "both write" "$tmp/err" && ! grep -q "fuzzed" "$tmp/out" || fail "two reports into one file not refused first"
    expect_exit 2 "a report into a missing folder" "$bin" fuzz --requests 1 --json "$tmp/missing/r.json"
    grep -q "does not exist" "$tmp/err" || fail "a report into a missing folder not refused"
    expect_exit 0 "--help" "$bin" fuzz --help
    grep -q "reject.signature" "$tmp/out" || fail "--help does not list the rules"
    # A loopback port nothing listens on: the endpoint is unusable.
    port=$(free_port)
    expect_exit 3 "unreachable endpoint" "$bin" fuzz --endpoint "http://127.0.0.1:$port" --profile emulator --requests 5
    grep -q "unusable" "$tmp/err" || fail "unusable endpoint not said"

    # The embedded emulator: no finding, reports written, the same seed twice sends the same requests.
    expect_exit 0 "emulator fuzz" "$bin" fuzz --requests 3000 --seed 42 --jobs 8 --json "$tmp/e.json" --junit "$tmp/e.xml"
    grep -q "0 finding classes" "$tmp/out" || fail "emulator summary: $(tail -2 "$tmp/out")"
    grep -q "3000 fuzzed" "$tmp/out" || fail "not 3000 fuzzed requests: $(tail -2 "$tmp/out")"
    python3 - "$tmp/e.json" <<'PY' || fail "emulator JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
cases = r["cases"] if "cases" in r else r["results"]
# The fuzzing rules pass; the attack rules are skipped (no --attacks), never reported as passing.
assert cases and not [c for c in cases if c["result"] == "FAIL"], cases
assert all(c["result"] == ("SKIP" if c["id"].startswith("attack.") else "PASS") for c in cases), cases
assert len([c for c in cases if c["result"] == "PASS"]) >= 13, cases
PY
    grep -q "<testsuite" "$tmp/e.xml" || fail "no JUnit report"
    echo "emulator: ok"
    exit 0
fi

# Starts a server command in the background; the first URL it prints (stdout, then stderr) is the endpoint.
start_server() { # name command...
    local name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    server_pids+=($!)
    for _ in $(seq 1 100); do
        url=$(cat "$tmp/$name.out" "$tmp/$name.err" 2>/dev/null | grep -o 'http://127\.0\.0\.1:[0-9]*' | head -1)
        [ -n "$url" ] && return 0
        sleep 0.1
    done
    cat "$tmp/$name.err" >&2
    fail "$name did not start"
}
# Bytes a terminal would act on (C0 controls but tab and newline, DEL) in a server's output.
no_control_bytes() { # file...
    python3 - "$@" <<'PY'
import sys
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    bad = [i for i, b in enumerate(data) if (b < 32 and b not in (9, 10)) or b == 127]
    assert not bad, f"{name}: control byte {data[bad[0]]:#x} at {bad[0]}: {data[max(0, bad[0] - 80):bad[0] + 8]!r}"
PY
}
# The attacks, shortened to fit the test's budget; 300 sockets as by default.
attacks=(--attacks --attack-ms 300 --attack-connections 300)

if [ "$part" = serve ]; then
    # The mock of a client case, with its own test key (no credentials in the environment).
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS
    start_server serve "$bin" serve --case client-cases/token-retry-server-exception.json --max-seconds 100
    serve_pid=${server_pids[-1]}
    expect_exit 0 "serve fuzz" "$bin" fuzz --endpoint "$url" --mock "${attacks[@]}" --requests 1500 --seed 7 \
        --request-timeout-ms 30000
    grep -q "0 finding classes" "$tmp/out" || fail "serve summary: $(tail -2 "$tmp/out")"
    grep -q "8 connection-level attacks run" "$tmp/out" || fail "serve: the attacks did not run"
    # What the mock logs quotes the client's bytes: a body with an escape sequence and DEL.
    printf '{"cluster":"\033[2J\033]0;owned\007\177"}' >"$tmp/hostile.json"
    curl -s -o /dev/null --max-time 10 -H "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask" \
        -H "Content-Type: application/x-amz-json-1.1" --data-binary "@$tmp/hostile.json" "$url/" ||
        fail "serve did not answer the hostile body"
    printf '{"cluster":\033[2J\177}' >"$tmp/hostile.json"
    curl -s -o /dev/null --max-time 10 -H "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask" \
        -H "Content-Type: application/x-amz-json-1.1" --data-binary "@$tmp/hostile.json" "$url/" ||
        fail "serve did not answer the hostile body"
    kill -INT "$serve_pid"
    wait "$serve_pid"
    rc=$?
    # The case's checks fail (the fuzzer is not its client): exit 1 with its report, not a crash.
    [ "$rc" = 1 ] || fail "serve exited $rc after the fuzz: $(tail -3 "$tmp/serve.err")"
    grep -q "^FAIL: " "$tmp/serve.out" || fail "serve printed no report"
    no_control_bytes "$tmp/serve.out" "$tmp/serve.err" || fail "serve wrote control bytes a client sent"
    echo "serve: ok"
    exit 0
fi

if [ "$part" = record ]; then
    export AWS_ACCESS_KEY_ID=AKIDECSCONFEXAMPLE AWS_SECRET_ACCESS_KEY=ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=us-east-1
    unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS
    start_server emulate "$bin" emulate --listen 127.0.0.1:0
    upstream=$url
    start_server record "$bin" record --upstream "$upstream" --from emulator --out "$tmp/rec"
    record_pid=${server_pids[-1]}
    # record signs every request afresh with its own key (any client key works, by design), so a broken
    # signature reaches the emulator as a valid one: that rule is skipped, every other one judged.
    expect_exit 0 "record fuzz" "$bin" fuzz --endpoint "$url" --profile emulator --skip-rule reject.signature \
        "${attacks[@]}" --requests 1000 --seed 8 --request-timeout-ms 30000 --json "$tmp/r.json"
    grep -q "0 finding classes" "$tmp/out" || fail "record summary: $(tail -2 "$tmp/out")"
    grep -q "8 connection-level attacks run" "$tmp/out" || fail "record: the attacks did not run"
    python3 - "$tmp/r.json" <<'PY' || fail "record JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
cases = {c["id"]: c["result"] for c in r["cases"]}
assert cases["reject.signature"] == "SKIP", cases
assert [k for k, v in cases.items() if v == "PASS"] and not [k for k, v in cases.items() if v == "FAIL"], cases
PY
    # Judged, that rule fails, and only that one: the property the skip stands for.
    expect_exit 1 "record fuzz, every rule" "$bin" fuzz --endpoint "$url" --profile emulator --requests 200 --seed 8 \
        --request-timeout-ms 30000
    grep "^FINDING" "$tmp/out" | grep -v "^FINDING reject.signature " && fail "record: a finding besides reject.signature"
    grep -q "^FINDING reject.signature " "$tmp/out" || fail "record: broken signatures not found passed on"
    kill -INT "$record_pid"
    wait "$record_pid"
    rc=$?
    [ "$rc" = 0 ] || fail "record exited $rc after the fuzz: $(tail -3 "$tmp/record.err")"
    grep -q "exchanges recorded" "$tmp/record.err" || fail "record printed no summary"
    no_control_bytes "$tmp/record.out" "$tmp/record.err" || fail "record wrote control bytes a client sent"
    echo "record: ok"
    exit 0
fi

# moto: skipped with the reason when it is not installed.
moto_start 120 "$tmp/moto.log"
port=$moto_port
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS
# A generous deadline: on a loaded machine a slow answer must not become a transport finding.
expect_exit 1 "moto fuzz" "$bin" fuzz --endpoint "http://127.0.0.1:$port" --profile moto --requests 250 --seed 1 \
    --jobs 4 --request-timeout-ms 60000 --json "$tmp/m.json"
python3 - "$tmp/m.json" <<'PY' || fail "moto's known finding classes were not all found"
import json, sys
r = json.load(open(sys.argv[1]))
cases = r["cases"] if "cases" in r else r["results"]
failed = [c["id"] for c in cases if c["result"] == "FAIL"]
print("\n".join(failed))
def has(pred):
    return any(pred(i.split(" ")) for i in failed)
checks = {
    "HTML 500 on bad input": has(lambda f: f[0] == "answer.no-5xx" and f[1] == "500" and f[2] == "html-body"),
    "broken signature accepted": has(lambda f: f[0] == "reject.signature" and f[1] == "200"),
    "unsigned request not answered as AWS JSON": has(lambda f: f[0] == "answer.aws-json" and f[3] == "sig.unsigned"),
    "invalid values accepted": has(lambda f: f[0] in ("reject.validation", "reject.serialization") and f[1] == "200"),
    "empty error body": has(lambda f: f[0] == "answer.body"),
}
missing = [k for k, v in checks.items() if not v]
assert not missing, missing
PY
echo "moto: known classes found"
