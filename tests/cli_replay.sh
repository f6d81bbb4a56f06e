#!/usr/bin/env bash
# `ecsconf replay` (usage: tests/cli_replay.sh PATH/TO/ecsconf PROJECT_DIR emulator|moto).
# emulator: usage errors (2, with file:line for a bad known-difference line); the emulator's recordings
#   against the embedded emulator: no difference, and without pacing exactly the task state that moves
#   with time; moto's recordings against it: every difference accepted by the known list, none else; a
#   stale known line fails; recordings changed on purpose (another error type, a dropped member, a
#   changed type) give exactly that difference; --update rewrites a set that replays clean and holds no
#   secret; --draft-cases writes cases that load, and the drafted boto3 session passes.
# moto: moto's recordings against moto_server (no difference) and the emulator's (the known list).
set -uo pipefail
. "$2/tests/lib.sh"
lib_setup replay "$@"
# verdicts FILE.json ID-GLOB=RESULT...: every listed id has that result, the others PASS.
verdicts() {
    python3 - "$@" <<'PY'
import fnmatch, json, sys
report = json.load(open(sys.argv[1]))
want = [a.split("=", 1) for a in sys.argv[2:]]
for case in report["cases"]:
    expected = next((r for g, r in want if fnmatch.fnmatch(case["id"], g)), "PASS")
    assert case["result"] == expected, (case["id"], case["result"], expected, case.get("reason"))
print("verdicts ok:", len(report["cases"]), "items")
PY
}
export NO_COLOR=1
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS AWS_PROFILE

if [ "$part" = emulator ]; then
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    expect_exit 2 "no folder" "$bin" replay
    grep -q "which recordings" "$tmp/err" || fail "a missing folder is not explained"
    expect_exit 2 "unknown option" "$bin" replay fixtures/recorded/emulator --bogus
    expect_exit 2 "--from without --update" "$bin" replay fixtures/recorded/emulator --from moto
    printf '# comment\nemulator-* value@/x a reason\nemulator-* nonsense no such kind\n' >"$tmp/bad.known"
    expect_exit 2 "bad known line" "$bin" replay fixtures/recorded/emulator --known "$tmp/bad.known"
    grep -q "bad.known:3" "$tmp/err" || fail "the bad known line is not named by file:line: $(cat "$tmp/err")"
    printf 'emulator-*\n' >"$tmp/short.known"
    expect_exit 2 "known line without kind" "$bin" replay fixtures/recorded/emulator --known "$tmp/short.known"
    expect_exit 2 "a fixture that does not load" "$bin" replay conformance
    echo "ok: usage errors"

    # The emulator's own recordings: no difference. Pacing (a short one is enough for the 1 s the emulator
    # takes to start a task) is what makes the AWS CLI session's DescribeTasks see RUNNING, as recorded.
    expect_exit 0 "emulator recordings on the emulator" "$bin" replay fixtures/recorded/emulator --max-wait-ms 500 \
        --json "$tmp/same.json" --junit "$tmp/same.xml"
    verdicts "$tmp/same.json" || fail "not all PASS"
    grep -q "<testsuite name=\"ecsconf replay\"" "$tmp/same.xml" || fail "no JUnit report of ecsconf replay"
    expect_exit 1 "without pacing" "$bin" replay fixtures/recorded/emulator --max-wait-ms 0 --json "$tmp/fast.json"
    verdicts "$tmp/fast.json" 'emulator-awscli-0006-describetasks=FAIL' 'emulator-awscli-0007-stoptask=FAIL' ||
        fail "without pacing, other exchanges than the task states failed"
    grep -q '/tasks/0/lastStatus' "$tmp/out" || fail "the task state difference is not shown"
    echo "ok: the emulator's recordings replay on the emulator without difference"

    # moto's recordings against the emulator: exactly the known differences.
    expect_exit 0 "moto recordings on the emulator" "$bin" replay fixtures/recorded/moto --max-wait-ms 0 \
        --known fixtures/recorded/known/moto-on-emulator.known --json "$tmp/cross.json"
    verdicts "$tmp/cross.json" 'moto-*=XFAIL' || fail "moto on the emulator"
    grep -q "Fargate needs awsvpc" "$tmp/out" || fail "the known reason is not shown"
    # Without the list, the same differences fail; with a line too many, the stale line fails.
    expect_exit 1 "moto recordings without the known list" "$bin" replay fixtures/recorded/moto --max-wait-ms 0
    cp fixtures/recorded/known/moto-on-emulator.known "$tmp/stale.known"
    echo 'moto-*-createcluster missing@/cluster/clusterName a difference that does not happen' >>"$tmp/stale.known"
    expect_exit 1 "a stale known line" "$bin" replay fixtures/recorded/moto --max-wait-ms 0 --known "$tmp/stale.known" \
        --json "$tmp/stale.json"
    verdicts "$tmp/stale.json" 'moto-*=XFAIL' 'stale.known:*=FAIL' || fail "the stale line is not the one failure"
    echo "ok: moto's recordings on the emulator: the known differences, each named; a stale line fails"

    # Recordings changed on purpose: each change is exactly one named difference.
    mkdir -p "$tmp/changed"
    cp fixtures/recorded/emulator/emulator-boto3-*.json "$tmp/changed/"
    python3 - "$tmp/changed" <<'PY'
import json, sys
d = sys.argv[1]
def edit(name, change):
    path = f"{d}/{name}.json"
    fixture = json.load(open(path))
    change(fixture["response"]["body"])
    json.dump(fixture, open(path, "w"), indent=2)
edit("emulator-boto3-0009-deletecluster", lambda b: b.update({"__type": "ResourceInUseException"}))
edit("emulator-boto3-0001-createcluster", lambda b: b["cluster"].update({"extraMember": "x"}))
edit("emulator-boto3-0002-registertaskdefinition", lambda b: b["taskDefinition"].update({"revision": "1"}))
PY
    [ $? = 0 ] || fail "cannot change the recordings"
    expect_exit 1 "changed recordings" "$bin" replay "$tmp/changed" --max-wait-ms 0 --json "$tmp/changed.json"
    verdicts "$tmp/changed.json" 'emulator-boto3-0009-deletecluster=FAIL' 'emulator-boto3-0001-createcluster=FAIL' \
        'emulator-boto3-0002-registertaskdefinition=FAIL' || fail "other exchanges than the changed ones failed"
    python3 - "$tmp/changed.json" <<'PY' || fail "the differences are not exactly the changes"
import json, sys
cases = {c["id"]: c for c in json.load(open(sys.argv[1]))["cases"]}
def only(case_id, text):
    reason = cases[case_id]["reason"]
    assert reason.startswith("1 difference not known") and text in reason, (case_id, reason)
only("emulator-boto3-0009-deletecluster", "[error-type] error type: recorded ResourceInUseException, answered ClusterContainsTasksException")
only("emulator-boto3-0001-createcluster", "[missing] /cluster/extraMember")
only("emulator-boto3-0002-registertaskdefinition", "[type] /taskDefinition/revision: type changed: recorded a string, answered a number")
PY
    echo "ok: another error type, a dropped member and a changed type are each exactly one difference"

    # --update: the changed set is rewritten from the endpoint, then replays clean; no secret is written.
    secret=ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY
    AWS_ACCESS_KEY_ID=AKIDECSCONFEXAMPLE AWS_SECRET_ACCESS_KEY=$secret expect_exit 1 "update" \
        "$bin" replay "$tmp/changed" --max-wait-ms 0 --update
    grep -q "9 exchanges rewritten in $tmp/changed" "$tmp/out" || fail "the rewrite count is not printed"
    expect_exit 0 "replay of the updated set" "$bin" replay "$tmp/changed" --max-wait-ms 0
    grep -q '"via": "ecsconf replay --update"' "$tmp/changed/emulator-boto3-0001-createcluster.json" ||
        fail "the rewritten fixture does not say how it was made"
    grep -q '"clusterName": "ecsconf-rec-boto3"' "$tmp/changed/emulator-boto3-0001-createcluster.json" ||
        fail "the run's names were not turned back into the recorded ones"
    if grep -rlF -e "$secret" -e "Signature=" "$tmp/changed" "$tmp/out"; then
        fail "a secret or a signature was written (files above)"
    fi
    echo "ok: --update rewrites the set, which then replays clean, without secrets"

    # --draft-cases: loadable cases; the drafted boto3 session passes against the emulator.
    expect_exit 0 "draft" "$bin" replay fixtures/recorded/emulator fixtures/recorded/moto --draft-cases "$tmp/drafts/recorded"
    [ "$(ls "$tmp/drafts/recorded" | wc -l)" = 4 ] || fail "not one draft per session"
    expect_exit 2 "a draft never replaces a file" "$bin" replay fixtures/recorded/emulator --draft-cases "$tmp/drafts/recorded"
    expect_exit 0 "the drafts load" "$bin" run --suite "$tmp/drafts" --list
    expect_exit 0 "the drafted boto3 session" "$bin" run --suite "$tmp/drafts" --only 'emulator-boto3'
    echo "ok: --draft-cases"
    exit 0
fi

moto_start 150 "$tmp/moto.log"
port=$moto_port
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
endpoint="http://127.0.0.1:$port"
expect_exit 0 "moto recordings on moto" "$bin" replay fixtures/recorded/moto --endpoint "$endpoint" --profile moto \
    --max-wait-ms 500 --json "$tmp/moto.json"
verdicts "$tmp/moto.json" || fail "moto's recordings on moto"
# Twice: the run prefix keeps a second replay away from what the first left on the same moto.
expect_exit 0 "moto recordings on moto, again" "$bin" replay fixtures/recorded/moto --endpoint "$endpoint" \
    --profile moto --max-wait-ms 0
echo "ok: moto's recordings replay on moto without difference, twice"
expect_exit 0 "emulator recordings on moto" "$bin" replay fixtures/recorded/emulator --endpoint "$endpoint" \
    --profile moto --max-wait-ms 0 --known fixtures/recorded/known/emulator-on-moto.known --json "$tmp/cross.json"
verdicts "$tmp/cross.json" 'emulator-*=XFAIL' || fail "the emulator's recordings on moto"
grep -q "No instances found" "$tmp/out" || fail "the known reason is not shown"
echo "ok: the emulator's recordings on moto: exactly the known differences"
