#!/usr/bin/env bash
# Emulator benchmark over HTTP, against moto_server on the same machine in the same run.
#
#   bench/emulator_vs_moto.sh [BUILD_DIR] [SECONDS]      (defaults: build, 10)
#   SOAK=60 bench/emulator_vs_moto.sh                    adds a SOAK-second, 64-connection soak
#
# The same load generator (wrk, with one freshly signed RunTask request written by
# `bench_emulator wrk-script`) drives both endpoints:
#   1. saturation: wrk -t2 -c64 → RunTask requests/s and p50/p99;
#   2. constant rate 1,000 req/s (`bench_emulator rate`: open loop, each latency from the request's
#      scheduled time, at most 16 connections) → p50/p99 at that rate. wrk is a closed loop: a slow
#      answer delays the next request instead of counting against it, which hides tail latency;
# plus the in-process figures (`bench_emulator`): handler calls/s and memory per stored task.
# The machine's load (uptime) is printed first: on a shared machine the tail latencies follow it.
# The emulator verifies every signature; moto does not verify any (it has no verifier).
# Goals (issue 6): >= 100x moto's requests/s, p99 < 2 ms at 1,000 req/s, < 2 KB per stored task.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-10}
ecsconf="$build/ecsconf"
bench="$build/bench/bench_emulator"
for tool in wrk "$ecsconf" "$bench"; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "$tool" ]; then
        echo "emulator_vs_moto: $tool not found (build first: cmake --build $build)" >&2
        exit 77
    fi
done
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk summary → "req/s p50 p99 non2xx errors"
run_wrk() { # url threads connections seconds
    local out="$work/wrk.txt"
    wrk -t"$2" -c"$3" -d"$4"s --latency -s "$work/run.lua" "$1" >"$out" 2>&1 || true
    local rps p50 p99 non2xx errors
    rps=$(awk '/Requests\/sec/ {print $2}' "$out")
    p50=$(awk '$1=="50%" {print $2}' "$out")
    p99=$(awk '$1=="99%" {print $2}' "$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
    errors=$(awk '/Socket errors/ {print $0}' "$out")
    echo "${rps:-0} ${p50:-?} ${p99:-?} ${non2xx:-0} ${errors:+[$errors]}"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load:$(uptime | sed 's/.*load average://')"
echo "== in-process"
"$bench"

echo "== ecsconf emulate (signatures verified), $seconds s per run"
"$ecsconf" emulate --listen 127.0.0.1:0 --threads 2 --max-tasks 5000000 --control >"$work/port" 2>"$work/emulate.log" &
pids+=($!)
emu_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
emu_url="http://127.0.0.1:$(head -1 "$work/port")"
"$bench" wrk-script "$emu_url" "$work/run.lua"
emu_rss0=$(rss_kib "$emu_pid")
read -r emu_rps emu_p50 emu_p99 emu_bad emu_err < <(run_wrk "$emu_url" 2 64 "$seconds")
emu_rss1=$(rss_kib "$emu_pid")
echo "saturation: $emu_rps req/s, p50 $emu_p50, p99 $emu_p99, non-2xx $emu_bad $emu_err"
"$bench" rate "$emu_url" 1000 "$seconds" || true
echo "RSS $emu_rss0 KiB -> $emu_rss1 KiB during the saturation run"
if [ -n "${SOAK:-}" ]; then
    # Every answered RunTask stores a task (tasks never stop by themselves), so RSS grows by the stored
    # tasks and nothing else: bounded by --max-tasks times the bytes per task. The bytes per answered
    # request over the soak show it (compare the in-process bytes per stored task).
    s_rss0=$(rss_kib "$emu_pid")
    read -r s_rps s_p50 s_p99 s_bad s_err < <(run_wrk "$emu_url" 2 64 "$SOAK")
    s_rss1=$(rss_kib "$emu_pid")
    echo "soak ${SOAK}s, 64 connections: $s_rps req/s, p50 $s_p50, p99 $s_p99, non-2xx $s_bad $s_err," \
        "RSS $s_rss0 -> $s_rss1 KiB ($(python3 -c "print(round(($s_rss1 - $s_rss0) * 1024 / max(1.0, $s_rps * $SOAK)))") bytes per answered request)"
fi

moto_rps=0
if command -v moto_server >/dev/null 2>&1; then
    echo "== moto_server (no signature verification), $seconds s per run"
    port=$(free_port)
    moto_server -p "$port" >"$work/moto.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
    # moto refuses EC2 RunTask without a container instance ("No instances found"): register one.
    aws_moto() { AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --region us-east-1 --endpoint-url "http://127.0.0.1:$port" "$@"; }
    ami=$(aws_moto ec2 describe-images --query 'Images[0].ImageId' --output text)
    instance=$(aws_moto ec2 run-instances --image-id "$ami" --instance-type m5.xlarge --count 1 \
        --query 'Instances[0].InstanceId' --output text)
    aws_moto ecs create-cluster --cluster-name bench >/dev/null
    aws_moto ecs register-container-instance --cluster bench --instance-identity-document-signature x \
        --instance-identity-document "{\"instanceId\":\"$instance\"}" >/dev/null
    "$bench" wrk-script "http://127.0.0.1:$port" "$work/run.lua"
    read -r moto_rps moto_p50 moto_p99 moto_bad moto_err < <(run_wrk "http://127.0.0.1:$port" 2 64 "$seconds")
    echo "saturation: $moto_rps req/s, p50 $moto_p50, p99 $moto_p99, non-2xx $moto_bad $moto_err"
else
    echo "== moto_server not installed: no baseline"
fi
python3 - "$emu_rps" "$moto_rps" <<'EOF'
import sys
emu, moto = float(sys.argv[1] or 0), float(sys.argv[2] or 0)
if moto > 0:
    print(f"== ratio: emulator {emu:.0f} req/s vs moto {moto:.0f} req/s = {emu / moto:.1f}x (goal >= 100x)")
EOF
