#!/usr/bin/env bash
# Runs the conformance suite against moto_server (moto 5.x) with the `moto` profile: starts moto on
# 127.0.0.1 on a free port with a bounded lifetime, runs `ecsconf run --profile moto`, stops moto.
# The run is green only if exactly the cases of conformance/profiles/moto.expect-fail fail.
#
# Usage: conformance/run-moto.sh PATH/TO/ecsconf [more `ecsconf run` options, e.g. --junit moto.xml]
# Environment: ECSCONF_MOTO_LIFETIME_S (default 600) bounds moto's life even if this script is killed.
# Exit: that of `ecsconf run`; 77 (ctest SKIP) when moto_server or python3 is missing; 3 when moto does
# not come up.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 PATH/TO/ecsconf [ecsconf run options]" >&2
    exit 2
fi
bin=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v moto_server >/dev/null 2>&1; then
    echo "SKIP: moto_server not found (pip install 'moto[server]')"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found (needed to pick a free port)"
    exit 77
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp "${TMPDIR:-/tmp}/ecsconf-moto.XXXXXX")
timeout "${ECSCONF_MOTO_LIFETIME_S:-600}" moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
cleanup() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT INT TERM

# Wait (at most 30 s) until moto answers on its own API.
up=0
for _ in $(seq 1 150); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
        up=1
        break
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
if [ "$up" != 1 ]; then
    echo "moto_server did not come up on 127.0.0.1:$port:" >&2
    cat "$log" >&2
    exit 3
fi
echo "moto_server $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?') on 127.0.0.1:$port"

# moto does not check signatures; its test keys keep real credentials out of this run.
cd "$root"
status=0
env -u AWS_SESSION_TOKEN -u AWS_PROFILE AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    "$bin" run --endpoint "http://127.0.0.1:$port" --profile moto --suite "$root/conformance" \
    --confirm-initial-ms 200 --confirm-total-ms 5000 "$@" || status=$?
exit "$status"
