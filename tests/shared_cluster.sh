#!/usr/bin/env bash
# ctest conformance.shared-cluster: the suite in shared-cluster mode (`ecsconf run --var cluster=NAME`,
# conformance/README.md "A cluster that already exists"), against `ecsconf emulate` in a cluster created
# beforehand, as a run against AWS uses a cluster that has container instances. Each run takes a second:
#   1. a cluster that does not exist: exit 3 before any case (a throttled preflight is no such refusal);
#   2. the whole suite, in a cluster where 101 tasks of someone else run (no ListTasks check may count them,
#      and every ListTasks of the cluster has two pages): every case that can share the cluster passes, every
#      other one is SKIP saying why, and the cluster is left as it was found (its other tasks the only ones);
#   3. negative: a task of a case's own family that no answer of the case named (started beforehand under the
#      run's names, --run-id) fails the case's ListTasks check, and so does a task of the case that is missing
#      from the list; two cases sending the same token text both pass (each has its own ${prefix});
#   4. with `--defect ignore-client-token`, every named clientToken case that can share the cluster FAILs.
#
# Usage: tests/shared_cluster.sh PATH/TO/ecsconf SOURCE_DIR CLIENT_TOKEN_CASE_ID...
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 PATH/TO/ecsconf SOURCE_DIR CLIENT_TOKEN_CASE_ID..." >&2
    exit 2
fi
bin=$1
root=$2
shift 2
if ! command -v curl >/dev/null; then
    echo "SKIP: curl is not installed (it sends the set-up calls)"
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-shared.XXXXXX")
emulator_pid=
stop_emulator() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
        emulator_pid=
    fi
}
trap 'stop_emulator; rm -rf "$work"' EXIT INT TERM
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The emulator's documented test key (docs/EMULATOR.md), also the emulator profile's.
key=AKIDECSCONFEXAMPLE
printf '%s\n' 'ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY' >"$work/secret"

# start_emulator [OPTION...]: a fresh emulator (bounded life) on a free port; sets port.
start_emulator() {
    stop_emulator
    timeout 120 "$bin" emulate --listen 127.0.0.1:0 --control "$@" >"$work/port" 2>"$work/emulator.log" &
    emulator_pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(head -n 1 "$work/port" 2>/dev/null || true)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    cat "$work/emulator.log" >&2
    fail "the emulator did not start"
}

# call OPERATION BODY: one signed ECS call (ecsconf sign, then curl); prints the answer, fails on an error.
call() {
    local operation=$1 body=$2 line signed
    local headers=()
    printf 'POST / HTTP/1.1\nHost:127.0.0.1:%s\nContent-Type:application/x-amz-json-1.1\nX-Amz-Target:%s\n\n%s' \
        "$port" "AmazonEC2ContainerServiceV20141113.$operation" "$body" >"$work/request.txt"
    signed=$("$bin" sign --access-key "$key" --secret-key-file "$work/secret" --region us-east-1 "$work/request.txt")
    while IFS= read -r line; do
        [ -z "$line" ] && break
        case $line in
        POST* | Host:*) ;;
        *) headers+=(-H "$line") ;;
        esac
    done <<<"$signed"
    curl -sS --max-time 10 --fail-with-body "${headers[@]}" --data-binary "$body" "http://127.0.0.1:$port/" ||
        fail "$operation $body"
}

# register FAMILY: a task definition of FAMILY.
register() {
    call RegisterTaskDefinition \
        "{\"family\":\"$1\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"busybox\",\"memory\":128}]}" \
        >/dev/null
}

# start_tasks FAMILY COUNT: starts COUNT (1-10) EC2 tasks of FAMILY in the shared cluster; prints their ARNs,
# one a line, sorted.
start_tasks() {
    call RunTask "{\"cluster\":\"shared\",\"taskDefinition\":\"$1\",\"launchType\":\"EC2\",\"count\":$2}" |
        grep -o '"taskArn":"[^"]*"' | cut -d '"' -f 4 | sort -u
}

# listed: the ARNs ListTasks names in the shared cluster, every page, one a line, sorted.
listed() {
    local answer token=
    while :; do
        answer=$(call ListTasks "{\"cluster\":\"shared\"${token:+,\"nextToken\":\"$token\"}}")
        printf '%s\n' "$answer" | grep -o '"arn:[^"]*"' | tr -d '"' || true
        token=$(printf '%s\n' "$answer" | grep -o '"nextToken":"[^"]*"' | cut -d '"' -f 4 || true)
        [ -n "$token" ] || break
    done | sort
}

# run OUT [OPTION...]: ecsconf run against the emulator in the cluster `shared`; sets rc.
run() {
    local out=$1
    shift
    rc=0
    NO_COLOR=1 "$bin" run --endpoint "http://127.0.0.1:$port" --profile emulator --var cluster=shared \
        --confirm-initial-ms 50 --confirm-total-ms 5000 "$@" >"$out" 2>&1 || rc=$?
}

# 1. A cluster that does not exist stops the run before any case (a case's CreateCluster would make it).
start_emulator
run "$work/missing.txt" --suite "$root/conformance"
[ "$rc" = 3 ] || fail "a missing shared cluster: exit $rc, want 3"
grep -q "the shared cluster 'shared' (--var cluster) cannot be used: its ListTasks got HTTP 400 ClusterNotFoundException" \
    "$work/missing.txt" || fail "a missing shared cluster: no reason: $(cat "$work/missing.txt")"
echo "ok: a shared cluster that does not exist: exit 3 before any case"

# 2. The whole suite, in a cluster that already runs 101 tasks of another family: every ListTasks of the cluster
# has two pages (100 a page), which the runner must read and cut to the case's own tasks.
call CreateCluster '{"clusterName":"shared"}' >/dev/null
register someone-else
for _ in $(seq 1 10); do
    start_tasks someone-else 10
done >"$work/foreign"
start_tasks someone-else 1 >>"$work/foreign"
sort -o "$work/foreign" "$work/foreign"
[ "$(wc -l <"$work/foreign")" = 101 ] || fail "started $(wc -l <"$work/foreign") foreign tasks, want 101"
listed >"$work/before"
cmp -s "$work/foreign" "$work/before" || fail "the shared cluster does not list the 101 foreign tasks"
# The preflight's ListTasks of the shared cluster is throttled once: a throttle proves the endpoint
# answers, not that the cluster cannot be used, so the run goes on.
curl -sS --max-time 10 --fail-with-body -d \
    '{"action":"inject","operation":"ListTasks","cluster":"shared","error":"ThrottlingException","times":1}' \
    "http://127.0.0.1:$port/__ecsconf/control" >/dev/null || fail "the throttle could not be injected"
run "$work/suite.txt" --suite "$root/conformance" --jobs 2 --seed 1
if [ "$rc" != 0 ] || grep -q '^FAIL' "$work/suite.txt"; then
    cat "$work/suite.txt"
    fail "the suite in a shared cluster: exit $rc"
fi
passed=$(grep -c '^PASS' "$work/suite.txt" || true)
skipped=$(grep -c '^SKIP' "$work/suite.txt" || true)
why=$(grep -c '^SKIP .*: cannot run in the shared cluster (--var cluster): ' "$work/suite.txt" || true)
[ "$passed" -ge 200 ] || fail "only $passed cases passed in the shared cluster"
[ "$skipped" = "$why" ] || fail "$skipped skips, but only $why say why the case cannot share the cluster"
for expected in 'errors/cluster-deleted|step 3 "delete" (DeleteCluster) deletes a cluster' \
    'success/run-cluster-default-strategy|creates a cluster with settings of its own (capacityProviders, defaultCapacityProviderStrategy)' \
    'protocol/method-get|step 1 "raw request" (raw RunTask) uses ${cluster} without creating it first' \
    'clienttoken/clienttoken-scope-cluster|creates a cluster of its own' \
    'failures/partial-failure-cpu|has a control action scoped to ${cluster}'; do
    grep -F "SKIP  ${expected%%|*}: cannot run in the shared cluster (--var cluster): " "$work/suite.txt" |
        grep -Fq "${expected#*|}" || fail "no SKIP of ${expected%%|*} saying: ${expected#*|}"
done
listed >"$work/after"
cmp -s "$work/foreign" "$work/after" ||
    fail "after the run the shared cluster should run only the 101 foreign tasks: $(diff "$work/foreign" "$work/after")"
echo "ok: the suite in a shared cluster: $passed pass, $skipped SKIP each saying why; the cluster is left as found"

# 3. Negative: the ListTasks checks still see the case's own tasks, and only those; tokens do not meet.
mkdir -p "$work/neg/g"
create='{"call": "CreateCluster", "body": {"clusterName": "${cluster}"}}'
register='{"call": "RegisterTaskDefinition", "body": {"family": "${family}",
  "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 128}]}}'
start='{"name": "start", "call": "RunTask", "body": {"cluster": "${cluster}", "taskDefinition": "${family}",
  "launchType": "EC2"}, "capture": {"arns": "/tasks/*/taskArn", "arn": "/tasks/0/taskArn"}}'
list='{"name": "list", "call": "ListTasks", "body": {"cluster": "${cluster}"},
  "expect": {"body": {"/taskArns": {"set": "${capture.arns}"}}}}'
cat >"$work/neg/g/own-task-unnamed.json" <<EOF
{"id": "own-task-unnamed", "title": "ListTasks lists exactly the task the case started",
 "steps": [$create, $register, $start, $list]}
EOF
cat >"$work/neg/g/own-task-missing.json" <<EOF
{"id": "own-task-missing", "title": "A task the case stopped is not listed as running (the check must fail)",
 "steps": [$create, $register, $start,
  {"call": "StopTask", "body": {"cluster": "\${cluster}", "task": "\${capture.arn}"}}, $list]}
EOF
for which in a b; do
    cat >"$work/neg/g/token-$which.json" <<EOF
{"id": "token-$which", "title": "The same token text in two cases starts each case's own task",
 "steps": [$create, $register,
  {"call": "RunTask", "body": {"cluster": "\${cluster}", "taskDefinition": "\${family}", "launchType": "EC2",
   "clientToken": "\${prefix}-tok-1"},
   "expect": {"body": {"/tasks/0/taskDefinitionArn": {"regex": "task-definition/\${family}:"}}}}]}
EOF
done
neg=(--suite "$work/neg" --fixtures "$root/fixtures" --seed 1)
run "$work/neg-clean.txt" "${neg[@]}" --run-id 0badcafe
grep -q '^PASS  g/own-task-unnamed ' "$work/neg-clean.txt" || fail "own-task-unnamed: $(cat "$work/neg-clean.txt")"
grep -Eq '^FAIL  g/own-task-missing \([0-9]+ ms\): step 5 "list" \(ListTasks\): body /taskArns' "$work/neg-clean.txt" ||
    fail "a task of the case missing from ListTasks did not fail the check: $(cat "$work/neg-clean.txt")"
for which in a b; do
    grep -q "^PASS  g/token-$which " "$work/neg-clean.txt" ||
        fail "token-$which: the two cases' tokens met: $(cat "$work/neg-clean.txt")"
done
# A task of the run's family of own-task-unnamed (`${prefix}-<id>` with --run-id 0badcafe), started before
# the run: no answer of the case names it, but it is the case's, so the check must count it and fail.
register ecc0badcafe-own-task-unnamed
hidden=$(start_tasks ecc0badcafe-own-task-unnamed 1)
run "$work/neg-hidden.txt" "${neg[@]}" --run-id 0badcafe --only own-task-unnamed
grep -Eq '^FAIL  g/own-task-unnamed \([0-9]+ ms\): step 4 "list" \(ListTasks\): body /taskArns' "$work/neg-hidden.txt" ||
    fail "a task of the case's family that no answer named did not fail the check: $(cat "$work/neg-hidden.txt")"
call StopTask "{\"cluster\":\"shared\",\"task\":\"$hidden\"}" >/dev/null
echo "ok: a task of the case's own family that no answer named fails ListTasks, and so does a missing one;" \
    "two cases' tokens do not meet"

# 4. An emulator that ignores clientToken: every named case that can share the cluster fails.
start_emulator --defect ignore-client-token
call CreateCluster '{"clusterName":"shared"}' >/dev/null
only=()
for id in "$@"; do
    only+=(--only "$id")
done
run "$work/defect.txt" --suite "$root/conformance" --seed 1 --jobs 2 "${only[@]}"
[ "$rc" = 1 ] || fail "--defect ignore-client-token in a shared cluster: exit $rc, want 1"
# Each case's verdict, read once (a SKIP counts only with the shared-cluster reason).
declare -A verdict=()
while read -r result name rest; do
    name=${name%:}
    case $result in
    FAIL) verdict[${name#*/}]=FAIL ;;
    SKIP) [[ $rest == "cannot run in the shared cluster"* ]] && verdict[${name#*/}]=SKIP ;;
    PASS) verdict[${name#*/}]=PASS ;;
    esac
done <"$work/defect.txt"
caught=0
for id in "$@"; do
    case ${verdict[$id]:-none} in
    SKIP) ;;
    FAIL) caught=$((caught + 1)) ;;
    *) fail "NOT CAUGHT in a shared cluster: $id is ${verdict[$id]:-not run} against --defect ignore-client-token" ;;
    esac
done
[ "$caught" -ge 20 ] || fail "only $caught clientToken cases ran in the shared cluster"
# No other task kept the cluster from being deleted here: it must still be there, and run nothing.
left=$(call ListTasks '{"cluster":"shared"}')
[ "$left" = '{"taskArns":[]}' ] || fail "after the defect run the shared cluster lists: $left"
echo "ok: --defect ignore-client-token: the $caught named clientToken cases that can share the cluster FAIL;" \
    "the cluster is still there"
