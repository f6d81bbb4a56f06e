#!/usr/bin/env bash
# Checks `ecsconf emulate` as a user runs it. Bounded: every wait has a deadline.
set -euo pipefail
ecsconf=$1
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$work/err" 2>/dev/null; exit 1; }

# Read the whole help first: grep -q stops at the first match, and a line-buffered writer still
# printing would then die of SIGPIPE, which pipefail reports as a failure of the pipeline.
"$ecsconf" emulate --help >"$work/help"
grep -q -- "--listen ADDR:PORT" "$work/help" || fail "--help does not teach --listen"
set +e
"$ecsconf" emulate --listen nonsense 2>/dev/null; [ $? -eq 2 ] || fail "bad --listen is not a usage error"
"$ecsconf" emulate --threads 0 2>/dev/null; [ $? -eq 2 ] || fail "--threads 0 is not a usage error"
"$ecsconf" emulate --keys /nonexistent 2>/dev/null; [ $? -eq 2 ] || fail "missing --keys file is not a usage error"
set -e

"$ecsconf" emulate --listen 127.0.0.1:0 --control --no-auth >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.05; done
port=$(head -1 "$work/out")
[[ "$port" =~ ^[0-9]+$ ]] || fail "no port on stdout"
grep -q "WARNING: --no-auth" "$work/err" || fail "--no-auth does not warn"
url="http://127.0.0.1:$port"
ct="Content-Type: application/x-amz-json-1.1"
answer=$(curl -s -m 5 -X POST "$url/__ecsconf/control" -d '{"action":"reset"}')
[ "$answer" = '{"ok":true}' ] || fail "control answered $answer"
answer=$(curl -s -m 5 -X POST "$url/" -H "$ct" -H "X-Amz-Target: AmazonEC2ContainerServiceV20141113.CreateCluster" \
    -d '{"clusterName":"cli"}')
echo "$answer" | grep -q '"clusterArn":"arn:aws:ecs:us-east-1:000000000000:cluster/cli"' || fail "CreateCluster: $answer"
code=$(curl -s -m 5 -o "$work/body" -w '%{http_code}' -X POST "$url/" -H "$ct" \
    -H "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask" -d '{"cluster":"cli","taskDefinition":"none"}')
[ "$code" = 400 ] && grep -q '"__type":"ClientException"' "$work/body" || fail "RunTask unknown family: $code"
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
set +e
wait "$pid"
status=$?
set -e
pid=
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
grep -q "SIGTERM received" "$work/err" || fail "no graceful-stop message"
echo "ok"
