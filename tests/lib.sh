# Sourced by the test scripts that start servers (tests/cli_fuzz.sh, tests/cli_replay.sh,
# tests/moto_shared_cluster.sh): their common head. `lib_setup NAME BIN ROOT [PART]` (the script's own
# arguments after its name) sets bin, root and part (default emulator), enters ROOT, makes the scratch folder $tmp and the EXIT/INT/TERM trap that ends every
# server the script started (moto_pid and the pids it appends to server_pids) and removes $tmp; `fail TEXT` and
# `expect_exit CODE WHAT COMMAND...` (the command's output in $tmp/out and $tmp/err); `free_port` prints a
# loopback port nothing listens on; `moto_start` below.
lib_setup() {
    bin=$2
    root=$3
    part=${4:-emulator}
    cd "$root" || exit 2
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-$1.XXXXXX")
    moto_pid=
    server_pids=()
    trap lib_cleanup EXIT INT TERM
}
lib_cleanup() {
    for pid in $moto_pid "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect_exit() { # expected-code description command...
    local want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        tail -n 40 "$tmp/out" "$tmp/err" >&2
        fail "$what: exit $got, expected $want"
    fi
}
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# One way to start moto_server on 127.0.0.1 and wait for it. `moto_start LIFETIME_S LOG` exits 77 (ctest
# SKIP) with the reason when moto_server is not installed, sets moto_pid and moto_port, and returns once
# moto answers an ECS request (its ECS backend loads on the first one, which takes seconds on a loaded
# machine: a deadline should judge moto's answers, not its start-up). lib_cleanup ends it.
moto_start() {
    local lifetime_s=$1 log=$2
    if ! command -v moto_server >/dev/null 2>&1; then
        echo "SKIP: moto_server not found (pip install 'moto[server]')"
        exit 77
    fi
    moto_port=$(free_port)
    timeout "$lifetime_s" moto_server -H 127.0.0.1 -p "$moto_port" >"$log" 2>&1 &
    moto_pid=$!
    local up=0
    for _ in $(seq 1 150); do
        if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$moto_port/moto-api/', timeout=1)" 2>/dev/null; then
            up=1
            break
        fi
        kill -0 "$moto_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ "$up" != 1 ]; then
        cat "$log" >&2
        echo "FAIL: moto_server did not come up" >&2
        exit 1
    fi
    python3 - "$moto_port" <<'PY' || { echo "FAIL: moto does not answer ECS requests" >&2; exit 1; }
import sys, urllib.request
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/", data=b"{}", method="POST",
    headers={"Content-Type": "application/x-amz-json-1.1",
             "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
             "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0"})
urllib.request.urlopen(request, timeout=120).read()
PY
}
