#!/usr/bin/env bash
# `ecsconf serve` end to end: serve a retry case, drive it with the C client adapter, expect PASS (exit 0);
# then serve it again and send only one request (a missing retry), expect FAIL (exit 1) with the reason.
set -u
ecsconf="$1"
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export AWS_ACCESS_KEY_ID=AKIDSERVETEST AWS_SECRET_ACCESS_KEY=serve/test/secret AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN

. tests/serve_support.sh

serve client-cases/token-retry-server-exception.json 2
ECSCONF_ENDPOINT="$url" ECSCONF_PARAMS="$work/params.json" "$ecsconf" adapter-c
wait "$pid"
rc=$?
cat "$work/serve.out"
[ "$rc" -eq 0 ] && grep -q '^PASS' "$work/serve.out" || { echo "expected PASS and exit 0, got $rc"; exit 1; }

serve client-cases/token-retry-server-exception.json 1 --listen 127.0.0.1:0
case "$url" in http://127.0.0.1:[1-9]*) ;; *) echo "--listen 127.0.0.1:0: endpoint '$url'"; exit 1 ;; esac
ECSCONF_ENDPOINT="$url" ECSCONF_PARAMS="$work/params.json" ECSCONF_MAX_ATTEMPTS=1 "$ecsconf" adapter-c
wait "$pid"
rc=$?
cat "$work/serve.out"
[ "$rc" -eq 1 ] && grep -q 'requests: the client sent 1 request, the case expects 2 (a retry is missing)' "$work/serve.out" ||
    { echo "expected FAIL (a missing retry) and exit 1, got $rc"; exit 1; }
echo "serve: PASS and FAIL as expected"

# --listen is the same option and parser as emulate's and record's: a host name is refused (exit 2).
"$ecsconf" serve --case client-cases/token-retry-server-exception.json --listen localhost:0 >/dev/null 2>"$work/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--listen: ' "$work/err" || { echo "serve --listen localhost:0: exit $rc"; cat "$work/err"; exit 1; }
echo "serve --listen: ok"
