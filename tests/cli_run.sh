#!/usr/bin/env bash
# `ecsconf run` exit codes and messages (harness/cli/commands.h): the contract CI scripts rely on.
# Usage: cli_run.sh PATH/TO/ecsconf PROJECT_DIR
set -u
bin=$1
root=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-cli-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1
fail=0

# shellcheck source=scripts/expect.sh
. "$root/tests/scripts/expect.sh"

mkdir -p "$tmp/suite/g" "$tmp/fixtures"
cp "$root"/fixtures/runtask/*.json "$tmp/fixtures/"

expect 0 "Usage: ecsconf run" -- "$bin" run --help
expect 2 "unknown option" -- "$bin" run --bogus
expect 2 "--jobs takes" -- "$bin" run --jobs 0
expect 2 "unknown profile 'locastack'; did you mean localstack\?.*known: aws, emulator, localstack, moto" -- "$bin" run --profile locastack
expect 2 "needs --endpoint" -- "$bin" run --profile moto --suite "$root/conformance"
expect 2 "suite folder" -- "$bin" run --suite "$tmp/nonexistent"
expect 2 "--var: 'subnets' is not a run variable \(subnet, security_group, cluster\)" -- "$bin" run --var subnets=subnet-1
expect 2 "--var: 'subnet': expected NAME=VALUE" -- "$bin" run --var subnet
expect 2 "--var: subnet: the value may hold only printable ASCII" -- "$bin" run --var "subnet=a b"
expect 2 "--var: security_group: the value must have 1 to 256" -- "$bin" run --var security_group=

# A syntax error is reported with file:line:column, a semantic one with its JSON pointer.
printf '{"id": "bad",\n "title": "t",\n "steps": [}\n' >"$tmp/suite/g/bad.json"
expect 2 "bad.json:3:12: " -- "$bin" run --suite "$tmp/suite" --list
printf '{"id": "bad", "title": "t", "steps": [{"send": "no-such-fixture"}]}\n' >"$tmp/suite/g/bad.json"
expect 2 "bad.json: /steps/0/send: step 1: no fixture with id 'no-such-fixture'" -- "$bin" run --suite "$tmp/suite" --list

# Passing, failing, expected-to-fail and unexpectedly passing cases.
printf '{"id": "bad", "title": "t", "steps": [{"call": "ListTasks", "body": {"cluster": "none"}, "expect": {"error": "ClusterNotFoundException"}}]}\n' >"$tmp/suite/g/bad.json"
expect 0 "OK: 1 case, 1 passed" -- "$bin" run --suite "$tmp/suite" --seed 1
printf 'bad listed on purpose\n' >"$tmp/list"
expect 1 "XPASS g/bad.*passed, but listed" -- "$bin" run --suite "$tmp/suite" --seed 1 --expect-fail "$tmp/list"
printf 'gone stale line\n' >"$tmp/stale"
expect 2 "stale:1: 'gone' matches no case" -- "$bin" run --suite "$tmp/suite" --expect-fail "$tmp/stale"
printf '{"id": "ok2", "title": "t", "tags": ["x"], "steps": [{"call": "ListTasks", "body": {}, "expect": {"status": 404}}]}\n' >"$tmp/suite/g/ok2.json"
expect 1 "FAIL  g/ok2" -- "$bin" run --suite "$tmp/suite" --seed 1 --json "$tmp/r.json" --junit "$tmp/r.xml" --tap "$tmp/r.tap"
for f in r.json r.xml r.tap; do
    [ -s "$tmp/$f" ] || { echo "FAIL: report $f not written"; fail=1; }
done
expect 0 "1 case, 1 passed.*1 left out" -- "$bin" run --suite "$tmp/suite" --seed 1 --skip tag:x
expect 0 "RUN  g/ok2" -- "$bin" run --suite "$tmp/suite" --only 'g/ok*' --list
# Off loopback, task-starting cases are skipped unless --allow-tasks (nothing is sent with --list).
printf '{"id": "starts", "title": "t", "steps": [{"call": "RunTask", "body": {}}]}\n' >"$tmp/suite/g/starts.json"
expect 0 "SKIP g/starts: starts tasks.*--allow-tasks" -- env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$bin" run --suite "$tmp/suite" --endpoint https://ecs.us-east-1.amazonaws.com --region us-east-1 --list
# A case that uses a run variable: the emulator profile has a default, aws needs --var.
printf '{"id": "net", "title": "t", "steps": [{"call": "ListTasks", "body": {"cluster": "${subnet}"}, "expect": {"error": "ClusterNotFoundException"}}]}\n' >"$tmp/suite/g/net.json"
expect 0 "SKIP g/net: uses ..subnet., which has no value: give --var subnet=ID" -- env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$bin" run --suite "$tmp/suite" --endpoint http://127.0.0.1:1 --region us-east-1 --list --profile aws
expect 0 "RUN  g/net" -- env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$bin" run --suite "$tmp/suite" --endpoint http://127.0.0.1:1 --region us-east-1 --list --profile aws --var subnet=subnet-9
expect 0 "run variables subnet=subnet-0a1b2c3d4e5f60718 security_group=sg-0123456789abcdef0" -- "$bin" run --suite "$tmp/suite" --only net --seed 1
expect 0 "RUN  g/starts" -- env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$bin" run --suite "$tmp/suite" --endpoint https://ecs.us-east-1.amazonaws.com --region us-east-1 --list --allow-tasks
# No credentials for the aws profile: an environment problem.
expect 3 "no credentials" -- env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    "$bin" run --suite "$tmp/suite" --endpoint https://ecs.us-east-1.amazonaws.com --region us-east-1
# Nothing listening: the preflight says so before any case runs, exit 3.
expect 3 "preflight: no usable answer \(connect" -- env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$bin" run --suite "$tmp/suite" --endpoint http://127.0.0.1:9 --region us-east-1 --only g/bad
# --list shows the expected failures of the profile on the same line.
expect 0 "RUN  success/run-ec2-one-task  \".+\"  \[.+\]  \(expected to fail: .+\)$" -- "$bin" run --suite "$root/conformance" --endpoint http://127.0.0.1:1 --profile moto --list

# Profile files (conformance/README.md, "Profile files"): one a user writes, given by its path; one in the
# suite's own profiles/ folder, found by its name; bad lines at file:line, unknown keys with the nearest.
mkdir -p "$tmp/suite/profiles"
printf 'net listed by the profile'"'"'s own list\n' >"$tmp/suite/profiles/mine.expect-fail"
printf '# mine\nsummary = a test endpoint\nregion = eu-west-1\nvar.subnet = subnet-7\nexpect-fail = mine.expect-fail\n' >"$tmp/suite/profiles/mine.profile"
expect 0 "RUN  g/net  .*\(expected to fail: listed by the profile's own list\)" -- env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    "$bin" run --suite "$tmp/suite" --endpoint http://127.0.0.1:1 --list --profile mine
cp "$tmp/suite/profiles/mine.profile" "$tmp/suite/profiles/mine.expect-fail" "$tmp/"
expect 3 "profile mine \(./mine.profile\), region eu-west-1" -- env -u AWS_REGION -u AWS_DEFAULT_REGION \
    AWS_CONFIG_FILE="$tmp/none" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
    sh -c 'cd "$1" && shift && exec "$@"' _ "$tmp" "$(realpath "$bin")" run --suite "$tmp/suite" --endpoint http://127.0.0.1:1 --profile ./mine.profile --only net
check "the profile's run variable" grep -q "run variables subnet=subnet-7" "$tmp/last.out"
# The shipped moto profile stands in for a suite without one: its list names the shipped suite's cases,
# so it is not used there (else every one of its lines would be a stale line).
expect 0 "RUN  g/net" -- "$bin" run --suite "$tmp/suite" --endpoint http://127.0.0.1:1 --profile moto --list --var subnet=subnet-1
printf 'summary = x\nregoin = eu-west-1\n' >"$tmp/typo.profile"
expect 2 "typo.profile:2: unknown key 'regoin' .*; did you mean region\?" -- "$bin" run --endpoint http://127.0.0.1:1 --profile "$tmp/typo.profile"
printf 'capabilities = fault-injection\nexpect-fail = gone.expect-fail\n' >"$tmp/nolist.profile"
expect 2 "nolist.profile:2: expect-fail: '.*gone.expect-fail' is not a file" -- "$bin" run --endpoint http://127.0.0.1:1 --profile "$tmp/nolist.profile"
expect 2 "cannot open the profile" -- "$bin" run --endpoint http://127.0.0.1:1 --profile "$tmp/none.profile"
expect 2 "--profile mine needs --endpoint" -- "$bin" run --suite "$tmp/suite" --profile mine

# A case stuck in its DescribeTasks confirmation (the emulator hides new tasks for 60 s): the per-case
# deadline ends it, and Ctrl-C ends the run (exit 1, the resource prefix printed for leftovers).
mkdir -p "$tmp/lag/g"
cat >"$tmp/lag/g/lag.json" <<'JSON'
{"id": "lag", "title": "t", "requires": ["clock-control"], "steps": [
  {"call": "CreateCluster", "body": {"clusterName": "${cluster}"}},
  {"call": "RegisterTaskDefinition", "body": {"family": "${family}", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 128}]}},
  {"control": {"action": "visibility_lag", "cluster": "${cluster}", "ms": 60000}},
  {"send": "runtask-ec2-basic", "confirm": true}]}
JSON
expect 1 "FAIL  g/lag.*DescribeTasks did not show" -- "$bin" run --suite "$tmp/lag" --fixtures "$tmp/fixtures" \
    --case-timeout-ms 700 --confirm-initial-ms 50
"$bin" run --suite "$tmp/lag" --fixtures "$tmp/fixtures" --confirm-initial-ms 50 >"$tmp/int.out" 2>&1 &
run_pid=$!
sleep 1
kill -INT "$run_pid"
wait "$run_pid"
rc=$?
if [ "$rc" != 1 ] || ! grep -q "interrupted; resources of this run are named ecc" "$tmp/int.out" || ! grep -q "FAIL  g/lag.*interrupted: " "$tmp/int.out"; then
    echo "FAIL: Ctrl-C -> exit $rc:"
    cat "$tmp/int.out"
    fail=1
else
    echo "ok: Ctrl-C -> 1"
fi
exit $fail
